"""R20, R21 and R22 refused through the paths a clerk or county HR actually uses — the class
pages, the sheet imports, the admin and the photo upload — not only through the services: each
refusal is shown with its clause (《实施方案》...), nothing is written, and the rule's boundary
is checked on both sides. The clock is the server's (django.utils.timezone.now, monkeypatched);
the R20 window is read on the county's clock (Asia/Shanghai)."""

import datetime
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from checkin.models import SessionPhoto
from common.models import ImportBatch
from courses import services
from courses.models import (
    AttendanceRecord,
    ClassDecision,
    ClassStatus,
    ClassTransition,
    Enrolment,
    Session,
)
from tests import factories
from tests.checkin.test_photos import jpeg, upload
from tests.imports.corpus import sheet
from tests.scenarios import county_moment

pytestmark = pytest.mark.django_db

START, END = date(2018, 6, 1), date(2018, 6, 10)  # the factory's class: 10 days, 80 hours
DAY = datetime.timedelta(days=1)
ROSTER_HEADERS = ["身份证号", "培训券号", "姓名"]

R21_CLAUSE = "《实施方案》三(五)"
R21_RATE_CLAUSE = "《实施方案》三(五) 到课率标准"
R21_PLAN_CLAUSE = "《实施方案》三(五) 按批准的计划组织培训"
R20_CLAUSE = "《实施方案》三(七) 实时监控、严格考勤"
R22_CLAUSE = "《实施方案》三(五) 实操实训时间应占全部培训课时70%左右"
PHOTO_CLAUSE = "《实施方案》三(七) 实时监控、视频调阅"


def set_clock(monkeypatch, client, user, now):
    """The server's clock at `now`; the session is signed in again (a login expires after hours
    and the tests move the clock by days)."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    client.force_login(user)


@pytest.fixture
def approved(db):
    """An approved class (1–10 June 2018, 80 planned hours) with its institution's clerk."""
    training_class = factories.class_application()
    clerk = factories.institution_user(training_class.institution, username="clerk")
    officer = factories.hr_user("officer")
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=officer)
    training_class.refresh_from_db()
    training_class.clerk, training_class.officer = clerk, officer
    return training_class


def delivered(training_class, hours_by_day):
    """Sessions as rows (how they are recorded is not what these tests are about): `hours` on
    each day from the planned start."""
    for offset, hours in enumerate(hours_by_day):
        Session.objects.create(training_class=training_class, held_on=START + offset * DAY, hours=hours,
                               kind="practical", starts_at=time(8, 30))


def enrolment_count(training_class):
    return Enrolment.objects.filter(training_class=training_class).count()


def page(response):
    return response.content.decode()


def visible(html):
    """The page's text without its tags and their attributes (a random CSRF token can hold "R3")."""
    return re.sub(r"<[^>]*>", " ", html)


# R21 through the portal: 报名 --------------------------------------------------------------

@pytest.mark.parametrize("day_two_hours, admitted", [
    (Decimal("3.5"), True),   # 11.5 of 80 hours delivered: just before 15 %
    (Decimal("4"), True),     # 12 of 80 = exactly 15 %: a newcomer can still reach 85 %
    (Decimal("4.5"), False),  # 12.5 of 80: just above, refused
])
def test_r21_the_enrol_page_closes_just_above_15_percent_of_planned_hours(
        client, approved, monkeypatch, day_two_hours, admitted):
    services.start_class(approved, by=approved.clerk, today=START)
    delivered(approved, [Decimal(8), day_two_hours])
    newcomer = factories.TraineeFactory()
    set_clock(monkeypatch, client, approved.clerk, county_moment(START + 2 * DAY, time(10)))
    response = client.post(reverse("courses:enrol", args=[approved.pk]), {"id_number": newcomer.id_number})
    if admitted:
        assert response.status_code == 302
        assert list(approved.enrolments.values_list("trainee_id", flat=True)) == [newcomer.pk]
        return
    assert response.status_code == 400
    assert response.context["enrol_form"].has_error(NON_FIELD_ERRORS, "enrolment_closed_unreachable")
    text = page(response)
    assert "本班已上12.5课时(计划80课时)" in text and "报名已截止" in text
    assert R21_RATE_CLAUSE in text and "R21" not in visible(text)
    assert enrolment_count(approved) == 0


@pytest.mark.parametrize("day, admitted", [(END, True), (END + DAY, False)])
def test_r21_the_enrol_page_never_reopens_after_the_planned_end(client, approved, monkeypatch, day, admitted):
    newcomer = factories.TraineeFactory()
    set_clock(monkeypatch, client, approved.clerk, county_moment(day, time(10)))
    response = client.post(reverse("courses:enrol", args=[approved.pk]), {"id_number": newcomer.id_number})
    if admitted:
        assert response.status_code == 302 and enrolment_count(approved) == 1
        return
    assert response.status_code == 400
    assert response.context["enrol_form"].has_error(NON_FIELD_ERRORS, "enrolment_closed_after_end")
    text = page(response)
    assert "已过结业日期,名册不再增加学员" in text and R21_CLAUSE in text and "R21" not in visible(text)
    assert enrolment_count(approved) == 0


# R21 through the roster sheet ----------------------------------------------------------------

@pytest.mark.parametrize("started, hours_by_day, day, refusal", [
    (True, [Decimal(8), Decimal(4)], START + 2 * DAY, None),  # exactly 15 % delivered
    (True, [Decimal(8), Decimal("4.5")], START + 2 * DAY, ("报名已截止", R21_RATE_CLAUSE)),
    (False, [], END, None),
    (False, [], END + DAY, ("已过结业日期,名册不再增加学员", R21_CLAUSE)),
], ids=["at-15-percent", "above-15-percent", "on-the-end-date", "after-the-end-date"])
def test_r21_the_roster_sheet_is_refused_like_the_enrol_page(
        client, approved, monkeypatch, started, hours_by_day, day, refusal):
    """The preview lists the refusal at its row; confirming the stored sheet writes nothing."""
    if started:
        services.start_class(approved, by=approved.clerk, today=START)
    delivered(approved, hours_by_day)
    newcomer = factories.TraineeFactory()
    url = reverse("courses:import-roster", args=[approved.pk])
    set_clock(monkeypatch, client, approved.clerk, county_moment(day, time(10)))
    preview = client.post(url, {"file": sheet(ROSTER_HEADERS, [(newcomer.id_number, "", newcomer.name)])})
    plan, batch = preview.context["plan"], preview.context["batch"]
    if refusal is None:
        assert plan.is_clean and plan.row_count == 1
        assert client.post(url, {"batch": batch.pk}).status_code == 302
        assert list(approved.enrolments.values_list("trainee_id", flat=True)) == [newcomer.pk]
        return
    assert not plan.is_clean and [e.row for e in plan.errors] == [2]
    reason = plan.errors[0].reason
    assert all(part in reason for part in refusal) and "R21" not in reason
    assert refusal[0] in page(preview) and not preview.context["may_confirm"]
    confirmed = client.post(url, {"batch": batch.pk})
    assert confirmed.status_code == 400 and not confirmed.context["plan"].is_clean
    assert enrolment_count(approved) == 0
    batch.refresh_from_db()
    assert batch.imported_at is None
    assert not ImportBatch.objects.filter(imported_at__isnull=False).exists()


# R21 through the portal: 开班 ----------------------------------------------------------------

@pytest.mark.parametrize("day, starts", [(END, True), (END + DAY, False)])
def test_r21_the_start_button_is_refused_after_the_planned_end_and_accepted_on_it(
        client, approved, monkeypatch, day, starts):
    set_clock(monkeypatch, client, approved.clerk, county_moment(day, time(9)))
    transitions = ClassTransition.objects.filter(training_class=approved).count()
    response = client.post(reverse("courses:class-action", args=[approved.pk, "start"]), follow=True)
    approved.refresh_from_db()
    if starts:
        assert (approved.status, approved.started_on) == (ClassStatus.IN_PROGRESS, END)
        assert "已开班。" in page(response)
        return
    assert response.status_code == 400  # the class page again with the refusal, no redirect
    text = page(response)
    assert "已过计划结业日期,不能再开班" in text and R21_PLAN_CLAUSE in text and "R21" not in visible(text)
    assert "已开班。" not in text
    assert (approved.status, approved.started_on) == (ClassStatus.APPROVED, None)
    assert ClassTransition.objects.filter(training_class=approved).count() == transitions


# R20 through the attendance page and the attendance sheet ---------------------------------------

@pytest.fixture
def running(approved):
    """`approved`, started on 1 June with two trainees and one 4-hour session at 08:30 that day."""
    for person in factories.TraineeFactory.create_batch(2):
        services.enrol_trainee(approved, by=approved.clerk, today=date(2018, 5, 20), id_number=person.id_number)
    services.start_class(approved, by=approved.clerk, today=START)
    approved.refresh_from_db()
    approved.session = services.schedule_session(approved, by=approved.clerk, held_on=START, hours=Decimal(4),
                                                 kind="practical", starts_at=time(8, 30), today=START)
    approved.first, approved.second = approved.enrolments.order_by("pk")
    return approved


def test_r20_the_attendance_page_refuses_marks_a_second_before_the_start_and_keeps_who_and_when(
        client, running, monkeypatch):
    url = reverse("courses:attendance", args=[running.session.pk])
    marks = {f"mark-{running.first.pk}": "到", f"mark-{running.second.pk}": "缺"}

    set_clock(monkeypatch, client, running.clerk, county_moment(START, time(8, 29, 59)))
    refused = client.post(url, marks)
    assert refused.status_code == 400  # the page again, with the refusal; no redirect
    text = page(refused)
    assert "本课次2018-06-01 08:30开始,开始后才能记录考勤" in text and R20_CLAUSE in text and "R20" not in visible(text)
    assert "考勤已保存" not in text
    assert not AttendanceRecord.objects.exists()

    at_start = county_moment(START, time(8, 30))
    set_clock(monkeypatch, client, running.clerk, at_start)
    assert client.post(url, marks).status_code == 302
    stored = {m.enrolment_id: m for m in AttendanceRecord.objects.filter(session=running.session)}
    assert {k: m.is_present for k, m in stored.items()} == {running.first.pk: True, running.second.pk: False}
    assert {(m.recorded_by, m.recorded_at) for m in stored.values()} == {(running.clerk, at_start)}

    # A change inside the window is stamped with the server's time of the change, the other mark keeps its own.
    later = county_moment(START, time(9, 15))
    set_clock(monkeypatch, client, running.clerk, later)
    assert client.post(url, {f"mark-{running.second.pk}": "到"}).status_code == 302
    assert AttendanceRecord.objects.get(enrolment=running.second).recorded_at == later
    assert AttendanceRecord.objects.get(enrolment=running.first).recorded_at == at_start


def test_r20_the_attendance_sheet_refuses_before_the_start_and_keeps_who_and_when(client, running, monkeypatch):
    url = reverse("courses:import-attendance", args=[running.pk])
    rows = [(running.first.trainee.id_number, "", "到"), (running.second.trainee.id_number, "", "缺")]
    headers = ["身份证号", "姓名", "2018-06-01"]

    set_clock(monkeypatch, client, running.clerk, county_moment(START, time(8, 29, 59)))
    early = client.post(url, {"file": sheet(headers, rows)})
    plan = early.context["plan"]
    assert not plan.is_clean and not early.context["may_confirm"]
    assert any("开始后才能记录考勤" in e.reason and R20_CLAUSE in e.reason for e in plan.errors)
    client.post(url, {"batch": early.context["batch"].pk})
    assert not AttendanceRecord.objects.exists()

    at_start = county_moment(START, time(8, 30))
    set_clock(monkeypatch, client, running.clerk, at_start)
    response = client.post(url, {"file": sheet(headers, rows)})
    assert response.context["plan"].is_clean
    assert client.post(url, {"batch": response.context["batch"].pk}).status_code == 302
    stored = list(AttendanceRecord.objects.filter(session=running.session))
    assert len(stored) == 2
    assert {(m.recorded_by, m.recorded_at, m.correction) for m in stored} == {(running.clerk, at_start, None)}


# R22 through the portal: 结业 and HR's decision --------------------------------------------------

def ten_days(training_class, practical_per_day):
    """Ten 8-hour days delivered, everyone marked present (rows: R20 is tested above)."""
    for offset in range(10):
        held_on = START + offset * DAY
        for hours, kind, at in ((Decimal(8) - practical_per_day, "theory", time(8, 30)),
                                (practical_per_day, "practical", time(14))):
            Session.objects.create(training_class=training_class, held_on=held_on, hours=hours, kind=kind,
                                   starts_at=at)
    for enrolment in training_class.enrolments.all():
        for session in training_class.sessions.all():
            factories.AttendanceRecordFactory(enrolment=enrolment, session=session, is_present=True)


@pytest.fixture
def in_progress(approved):
    services.enrol_trainee(approved, by=approved.clerk, today=START, id_number=factories.TraineeFactory().id_number)
    services.start_class(approved, by=approved.clerk, today=START)
    approved.refresh_from_db()
    return approved


def complete(client, training_class):
    return client.post(reverse("courses:class-action", args=[training_class.pk, "complete"]), follow=True)


@pytest.mark.parametrize("practical_per_day, completes", [
    (Decimal("5.2"), True),    # 52 of 80 = 65 %, the year's minimum: completes (below the target, warned)
    (Decimal("5.1"), False),   # 51 of 80 = 63.75 %: refused without HR's decision
])
def test_r22_the_complete_button_at_and_just_below_the_minimum_practical_share(
        client, in_progress, monkeypatch, practical_per_day, completes):
    ten_days(in_progress, practical_per_day)
    set_clock(monkeypatch, client, in_progress.clerk, county_moment(END, time(18)))
    response = complete(client, in_progress)
    in_progress.refresh_from_db()
    if completes:
        assert in_progress.status == ClassStatus.COMPLETED and "已结业" in page(response)
        return
    assert response.status_code == 400
    text = page(response)
    assert "本班实际实操课时占比为63.75%,低于65%" in text and R22_CLAUSE in text and "R22" not in visible(text)
    assert (in_progress.status, in_progress.completed_on) == (ClassStatus.IN_PROGRESS, None)
    assert not ClassTransition.objects.filter(training_class=in_progress, to_status=ClassStatus.COMPLETED).exists()
    assert not in_progress.enrolments.filter(attendance_rate__isnull=False).exists()  # no rate recorded
    assert in_progress.attendance_rate is None


def test_r22_after_hrs_recorded_decision_the_same_button_completes(client, in_progress, monkeypatch):
    ten_days(in_progress, Decimal(2))  # 25 %
    set_clock(monkeypatch, client, in_progress.clerk, county_moment(END, time(18)))
    assert R22_CLAUSE in page(complete(client, in_progress))
    in_progress.refresh_from_db()
    assert in_progress.status == ClassStatus.IN_PROGRESS

    services.record_practical_share_decision(in_progress, by=in_progress.officer, reason="实训设备故障,经现场核查同意结业")
    response = complete(client, in_progress)
    in_progress.refresh_from_db()
    assert in_progress.status == ClassStatus.COMPLETED and in_progress.completed_on == END
    assert "已结业" in page(response) and R22_CLAUSE not in page(response)
    note = ClassTransition.objects.get(training_class=in_progress, to_status=ClassStatus.COMPLETED).acknowledged_warnings
    assert "25%" in note


@pytest.mark.parametrize("reason", ["", "   "])
def test_r22_the_admin_decision_without_a_reason_is_refused_and_records_nothing(client, in_progress, reason):
    ten_days(in_progress, Decimal(2))
    client.force_login(in_progress.officer)
    url = reverse("admin:courses_trainingclass_changelist")
    data = {"action": "allow_low_practical_share_selected", ACTION_CHECKBOX_NAME: [in_progress.pk], "confirm": "1"}
    refused = client.post(url, {**data, "reason": reason})
    assert refused.status_code == 400 and "请写明准予结业的理由" in page(refused)
    assert not ClassDecision.objects.exists()
    in_progress.refresh_from_db()
    assert in_progress.status == ClassStatus.IN_PROGRESS
    # The same action with a reason records the decision: the refusal above was the missing reason.
    assert client.post(url, {**data, "reason": "实训设备故障,经核查同意结业"}).status_code == 302
    assert ClassDecision.objects.get(training_class=in_progress).delivered_practical_share == Decimal("0.2500")


# Class photos after the window (三(七), the R20 window) --------------------------------------------

def test_a_photo_at_the_moment_the_window_closes_is_refused_and_nothing_is_stored(client, running, monkeypatch):
    """The 08:30 4-hour session on 1 June: its window closes 24 h after 12:30, at 2 June 12:30."""
    url = reverse("checkin:session-photos", args=[running.session.pk])
    closes_at = county_moment(START + DAY, time(12, 30))
    assert services.attendance_window(running.session).closes_at == closes_at.replace(tzinfo=None)

    set_clock(monkeypatch, client, running.clerk, closes_at)
    refused = client.post(url, {"photo": upload(jpeg(color=(10, 120, 10)))})
    assert refused.status_code == 400
    text = page(refused)
    assert "本课次现场照片已于2018-06-02 12:30截止上传" in text and PHOTO_CLAUSE in text
    assert not SessionPhoto.objects.exists()

    set_clock(monkeypatch, client, running.clerk, closes_at - datetime.timedelta(seconds=1))
    assert client.post(url, {"photo": upload(jpeg(color=(10, 10, 120)))}).status_code == 302
    assert SessionPhoto.objects.get().uploaded_at == closes_at - datetime.timedelta(seconds=1)
