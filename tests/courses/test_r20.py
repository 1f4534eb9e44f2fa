"""R20 《实施方案》三(七) 实时监控、严格考勤: attendance is recorded while the class happens; later
marks go through a correction that county HR approves or refuses."""

import datetime
from datetime import date, time
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from courses import policy, services
from courses.models import AttendanceCorrection, AttendanceRecord, Session
from programme.policy import PolicyParams, rule_of
from tests import factories
from tests.imports.corpus import sheet
from tests.scenarios import county_moment

P = PolicyParams(year=2018)
DAY = date(2018, 6, 1)


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    codes = [e.code for e in error.value.error_list]
    return codes[0] if len(codes) == 1 else codes


def at(day, hour, minute=0, second=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second)


# The pure rule ----------------------------------------------------------------------------

def test_a_timed_session_opens_at_its_start_and_closes_a_day_after_its_end():
    """08:30 for 4 hours: open from 08:30, held until 12:30, marks accepted until 12:30 the next day."""
    window = policy.attendance_window(held_on=DAY, starts_at=time(8, 30), hours=Decimal(4), p=P)
    assert (window.opens_at, window.ends_at, window.closes_at) == (
        at(DAY, 8, 30), at(DAY, 12, 30), at(date(2018, 6, 2), 12, 30))


def test_a_session_without_a_start_time_spans_its_whole_day():
    window = policy.attendance_window(held_on=DAY, starts_at=None, hours=Decimal(4), p=P)
    assert (window.opens_at, window.ends_at, window.closes_at) == (
        at(DAY, 0), at(date(2018, 6, 2), 0), at(date(2018, 6, 3), 0))


def test_the_grace_period_is_the_years_parameter():
    window = policy.attendance_window(held_on=DAY, starts_at=time(14), hours=Decimal("2.5"),
                                      p=PolicyParams(year=2018, attendance_grace_hours=2))
    assert window.closes_at == at(DAY, 18, 30)


@pytest.mark.parametrize("now, code", [
    (at(DAY, 8, 29, 59), "attendance_not_open"),
    (at(DAY, 8, 30), None),
    (at(date(2018, 6, 2), 12, 29, 59), None),
    (at(date(2018, 6, 2), 12, 30), "attendance_window_closed"),
])
def test_marks_are_accepted_from_the_start_until_the_grace_period_ends(now, code):
    window = policy.attendance_window(held_on=DAY, starts_at=time(8, 30), hours=Decimal(4), p=P)
    if code is None:
        policy.ensure_attendance_open(now=now, window=window)
        assert policy.is_attendance_open(now=now, window=window)
    else:
        assert code_of(lambda: policy.ensure_attendance_open(now=now, window=window)) == code
        assert rule_of(code) == "R20"


def test_the_refusal_after_the_window_cites_the_clause_and_says_what_to_do():
    window = policy.attendance_window(held_on=DAY, starts_at=time(8, 30), hours=Decimal(4), p=P)
    with pytest.raises(ValidationError) as error:
        policy.ensure_attendance_open(now=at(date(2018, 6, 3), 9), window=window)
    message = error.value.messages[0]
    assert "三(七) 实时监控、严格考勤" in message and "考勤更正申请" in message and "R20" not in message


@pytest.mark.parametrize("held_on, has_started, code", [
    (date(2018, 6, 4), True, "session_backdated"),
    (date(2018, 6, 5), True, None),
    (date(2018, 6, 4), False, None),
])
def test_a_past_day_is_not_scheduled_once_the_class_has_started(held_on, has_started, code):
    call = lambda: policy.ensure_session_not_backdated(held_on=held_on, today=date(2018, 6, 5),  # noqa: E731
                                                       has_started=has_started)
    if code is None:
        call()
    else:
        assert code_of(call) == code


# Through the services --------------------------------------------------------------------


@pytest.fixture
def running(officer):
    """A class started on 1 June 2018 with two trainees and a session at 08:30 (4 hours)."""
    training_class = factories.class_application()
    clerk = factories.institution_user(training_class.institution, username="clerk")
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=officer)
    for person in factories.TraineeFactory.create_batch(2):
        services.enrol_trainee(training_class, by=clerk, today=date(2018, 5, 20), id_number=person.id_number)
    services.start_class(training_class, by=clerk, today=training_class.planned_start_on)
    training_class.refresh_from_db()
    training_class.clerk = clerk
    training_class.session = services.schedule_session(
        training_class, by=clerk, held_on=training_class.planned_start_on, hours=Decimal(4), kind="practical",
        starts_at=time(8, 30), today=training_class.planned_start_on)
    return training_class


def moment(training_class, days=0, hour=8, minute=30, second=0):
    day = training_class.session.held_on + datetime.timedelta(days=days)
    return county_moment(day, time(hour, minute, second))


@pytest.mark.django_db
def test_a_mark_on_time_keeps_who_entered_it_and_when(running):
    first, second = running.enrolments.order_by("pk")
    assert services.record_attendance(running.session, by=running.clerk, now=moment(running),
                                      marks={first.pk: "到", second.pk: "缺"}) == (2, 0)
    marks = AttendanceRecord.objects.filter(session=running.session)
    assert {m.recorded_by for m in marks} == {running.clerk}
    assert all(m.recorded_at is not None and m.correction is None for m in marks)


@pytest.mark.django_db
def test_a_mark_before_the_start_or_after_the_grace_period_is_refused_and_nothing_is_stored(running):
    first = running.enrolments.first()
    session = running.session
    assert code_of(lambda: services.record_attendance(
        session, by=running.clerk, now=moment(running, minute=29, second=59), marks={first.pk: True})) == (
        "attendance_not_open")
    assert code_of(lambda: services.record_attendance(
        session, by=running.clerk, now=moment(running, days=1, hour=12, minute=30), marks={first.pk: True})) == (
        "attendance_window_closed")
    assert not AttendanceRecord.objects.exists()
    services.record_attendance(session, by=running.clerk, now=moment(running, days=1, hour=12, minute=29, second=59),
                               marks={first.pk: True})
    assert AttendanceRecord.objects.get().is_present


@pytest.mark.django_db
def test_a_change_after_the_window_is_refused(running):
    first = running.enrolments.first()
    services.record_attendance(running.session, by=running.clerk, now=moment(running), marks={first.pk: True})
    assert code_of(lambda: services.record_attendance(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: False})) == (
        "attendance_window_closed")
    assert AttendanceRecord.objects.get().is_present


@pytest.mark.django_db
def test_a_past_dated_session_is_refused_once_the_class_has_started(running):
    later = running.planned_start_on + datetime.timedelta(days=1)
    assert code_of(lambda: services.schedule_session(
        running, by=running.clerk, held_on=running.planned_start_on, hours=Decimal(2), kind="theory",
        starts_at=time(14), today=later)) == "session_backdated"
    services.schedule_session(running, by=running.clerk, held_on=later, hours=Decimal(2), kind="theory",
                              starts_at=time(14), today=later)
    assert Session.objects.filter(training_class=running).count() == 2


# Corrections -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_correction_is_asked_only_after_the_window_with_a_reason(running):
    first, second = running.enrolments.order_by("pk")
    ask = dict(by=running.clerk, marks={first.pk: "到"}, reason="当天停电,无法登录系统")
    assert code_of(lambda: services.request_attendance_correction(
        running.session, now=moment(running, days=1), **ask)) == "correction_not_needed"
    assert code_of(lambda: services.request_attendance_correction(
        running.session, now=moment(running, days=2), **{**ask, "reason": "  "})) == "correction_reason_required"
    correction = services.request_attendance_correction(running.session, now=moment(running, days=2), **ask)
    assert (correction.status, correction.requested_by, correction.marks) == ("pending", running.clerk,
                                                                               {str(first.pk): "到"})
    assert not AttendanceRecord.objects.exists()  # nothing changes until HR approves


@pytest.mark.django_db
def test_a_correction_that_changes_nothing_is_refused(running):
    first = running.enrolments.first()
    services.record_attendance(running.session, by=running.clerk, now=moment(running), marks={first.pk: True})
    assert code_of(lambda: services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=3), marks={first.pk: "到"},
        reason="核对")) == "correction_empty"


@pytest.mark.django_db
def test_hr_approval_applies_the_marks_labelled_as_corrected_and_records_the_decision(running, officer):
    first, second = running.enrolments.order_by("pk")
    services.record_attendance(running.session, by=running.clerk, now=moment(running), marks={first.pk: "缺"})
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: "到", second.pk: "3"},
        reason="签到表漏录", evidence=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test", content_type="application/pdf"))
    assert code_of(lambda: services.approve_attendance_correction(
        correction, by=running.clerk, now=moment(running, days=3))) == "not_hr"
    services.approve_attendance_correction(correction, by=officer, now=moment(running, days=3), note="同意")
    correction.refresh_from_db()
    assert (correction.status, correction.decided_by, correction.decided_at, correction.decision_note) == (
        "approved", officer, moment(running, days=3), "同意")
    marks = {m.enrolment_id: m for m in AttendanceRecord.objects.filter(session=running.session)}
    assert (marks[first.pk].is_present, marks[first.pk].correction, marks[first.pk].recorded_by) == (
        True, correction, officer)
    assert (marks[second.pk].hours_present, marks[second.pk].correction) == (Decimal("3.0"), correction)
    assert marks[first.pk].history.first().history_change_reason == "考勤更正(县人社局批准)"
    assert code_of(lambda: services.refuse_attendance_correction(
        correction, by=officer, now=moment(running, days=4), reason="重复")) == "correction_not_pending"


@pytest.mark.django_db
def test_hr_refusal_is_recorded_and_the_marks_stay(running, officer):
    first = running.enrolments.first()
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: "到"}, reason="补录")
    assert code_of(lambda: services.refuse_attendance_correction(
        correction, by=officer, now=moment(running, days=3), reason="")) == "reason_required"
    services.refuse_attendance_correction(correction, by=officer, now=moment(running, days=3), reason="无签到表")
    correction.refresh_from_db()
    assert (correction.status, correction.decided_by, correction.decision_note) == ("refused", officer, "无签到表")
    assert not AttendanceRecord.objects.exists()


# Screen, export, admin, import ----------------------------------------------------------------

def set_clock(monkeypatch, now):
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)


@pytest.mark.django_db
def test_the_screen_says_until_when_todays_session_stays_open(client, running, monkeypatch):
    set_clock(monkeypatch, moment(running, hour=9))
    client.force_login(running.clerk)
    page = client.get(reverse("courses:attendance", args=[running.session.pk])).content.decode()
    assert "本课次考勤可录入、修改至 <strong>2018-06-02 12:30</strong>" in page
    assert "三(七) 实时监控、严格考勤" in page and "R20" not in page


@pytest.mark.django_db
def test_after_the_window_the_screen_sends_a_correction_request_with_evidence(client, running, monkeypatch):
    first, second = running.enrolments.order_by("pk")
    set_clock(monkeypatch, moment(running, days=2, hour=9))
    client.force_login(running.clerk)
    url = reverse("courses:attendance", args=[running.session.pk])
    page = client.get(url).content.decode()
    assert "已于2018-06-02 12:30截止录入" in page and "提交考勤更正申请" in page
    client.post(url, {f"mark-{first.pk}": "到"})
    assert not AttendanceRecord.objects.exists()
    refused = client.post(url, {f"mark-{first.pk}": "到", "correction": "1", "reason": ""})
    assert refused.status_code == 400 and not AttendanceCorrection.objects.exists()
    response = client.post(url, {
        f"mark-{first.pk}": "到", f"mark-{second.pk}": "缺", "correction": "1", "reason": "当天网络中断",
        "evidence": SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    })
    assert response.status_code == 302
    correction = AttendanceCorrection.objects.get()
    assert correction.marks == {str(first.pk): "到", str(second.pk): "缺"} and correction.evidence
    assert not AttendanceRecord.objects.exists()
    assert "待审批" in client.get(url).content.decode()


@pytest.mark.django_db
def test_hr_approves_in_the_admin_after_a_confirmation_page_and_the_exports_label_the_marks(
        client, running, officer, monkeypatch):
    first = running.enrolments.first()
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: "到"}, reason="补录")
    client.force_login(officer)
    url = reverse("admin:courses_attendancecorrection_changelist")
    data = {"action": "approve_selected", ACTION_CHECKBOX_NAME: [correction.pk]}
    confirm_page = client.post(url, data)
    assert confirm_page.status_code == 200 and "请确认" in confirm_page.content.decode()
    assert not AttendanceRecord.objects.exists()
    assert client.post(url, {**data, "confirm": "1", "note": "同意"}).status_code == 302
    correction.refresh_from_db()
    assert correction.status == "approved" and AttendanceRecord.objects.get().correction == correction
    assert client.get(reverse("admin:courses_attendancecorrection_change", args=[correction.pk])).status_code == 200

    client.force_login(running.clerk)
    page = client.get(reverse("courses:attendance", args=[running.session.pk])).content.decode()
    assert "已更正" in page and "已批准" in page
    printed = client.get(reverse("courses:print-attendance", args=[running.pk])).content.decode()
    assert "经县人社局批准更正" in printed
    workbook = load_workbook(BytesIO(client.get(reverse("courses:print-attendance", args=[running.pk]),
                                                {"export": "xlsx"}).content))
    values = [cell.value for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert "到(更正)" in values


@pytest.mark.django_db
def test_hr_refuses_in_the_admin_only_with_a_reason(client, running, officer):
    first = running.enrolments.first()
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: "到"}, reason="补录")
    client.force_login(officer)
    url = reverse("admin:courses_attendancecorrection_changelist")
    data = {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [correction.pk], "confirm": "1"}
    client.post(url, {**data, "note": ""})
    correction.refresh_from_db()
    assert correction.status == "pending"
    client.post(url, {**data, "note": "证明材料不足"})
    correction.refresh_from_db()
    assert (correction.status, correction.decision_note) == ("refused", "证明材料不足")
    assert not AttendanceRecord.objects.exists()


@pytest.mark.django_db
def test_the_attendance_sheet_import_obeys_the_window(client, running, monkeypatch):
    first, second = running.enrolments.order_by("pk")
    url = reverse("courses:import-attendance", args=[running.pk])
    headers = ["身份证号", "姓名", "2018-06-01"]
    rows = [(first.trainee.id_number, "", "到"), (second.trainee.id_number, "", "缺")]
    set_clock(monkeypatch, moment(running, hour=10))
    client.force_login(running.clerk)
    response = client.post(url, {"file": sheet(headers, rows)})
    assert response.context["plan"].is_clean
    client.post(url, {"batch": response.context["batch"].pk})
    assert AttendanceRecord.objects.count() == 2

    set_clock(monkeypatch, moment(running, days=2))
    client.force_login(running.clerk)
    again = client.post(url, {"file": sheet(headers, rows)})  # the same marks: nothing to change
    assert again.context["plan"].is_clean and again.context["plan"].row_count == 0
    changed = client.post(url, {"file": sheet(headers, [rows[0], (second.trainee.id_number, "", "到")])})
    plan = changed.context["plan"]
    assert not plan.is_clean and "考勤更正申请" in plan.errors[0].reason
    assert AttendanceRecord.objects.get(enrolment=second).is_present is False


@pytest.mark.django_db
def test_a_past_session_is_added_only_through_an_approved_correction(client, running, officer, monkeypatch):
    """Once started, a session on a past day is refused; with a reason it becomes a request that
    HR approves (the session is added, R5 checked again), its marks then follow a correction."""
    later = running.planned_start_on + datetime.timedelta(days=2)
    set_clock(monkeypatch, county_moment(later, time(9)))
    client.force_login(running.clerk)
    url = reverse("courses:schedule", args=[running.pk])
    data = {"held_on": (later - datetime.timedelta(days=1)).isoformat(), "starts_at": "08:30", "hours": "4",
            "kind": "theory"}
    refused = client.post(url, data)
    assert refused.context["session_form"].has_error("held_on", "session_backdated")
    assert "补排原因" in refused.content.decode()
    evidence = SimpleUploadedFile("教学日志.pdf", b"%PDF-1.4 teaching log", content_type="application/pdf")
    assert client.post(url, {**data, "correction_reason": "当天课表漏排", "correction_evidence": evidence}).status_code == 302
    correction = AttendanceCorrection.objects.get()
    assert (correction.session, correction.new_session["held_on"], correction.status) == (
        None, data["held_on"], "pending")
    # The evidence of a session not yet added reads back for its clerk (and HR, below).
    assert correction.evidence and client.get(correction.evidence.url).status_code == 200
    assert running.sessions.count() == 1
    client.force_login(officer)
    assert client.get(correction.evidence.url).status_code == 200
    admin_url = reverse("admin:courses_attendancecorrection_changelist")
    assert "补排" in client.get(admin_url).content.decode()
    assert client.get(reverse("admin:courses_attendancecorrection_change", args=[correction.pk])).status_code == 200
    confirm_page = client.post(admin_url, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [correction.pk]})
    assert "补排课次" in confirm_page.content.decode()
    services.approve_attendance_correction(correction, by=officer, now=county_moment(later, time(10)))
    correction.refresh_from_db()
    added = correction.session
    assert (added.held_on, added.starts_at, added.hours, correction.status) == (
        later - datetime.timedelta(days=1), time(8, 30), Decimal(4), "approved")
    assert running.sessions.count() == 2


@pytest.mark.django_db
def test_a_past_session_request_is_checked_like_a_session(running):
    assert code_of(lambda: services.request_session_correction(
        running, by=running.clerk, now=moment(running, days=3), held_on=running.planned_start_on - datetime.timedelta(days=1),
        hours=Decimal(4), kind="theory", reason="漏排")) == "session_outside_class_dates"
    assert code_of(lambda: services.request_session_correction(
        running, by=running.clerk, now=moment(running, days=3), held_on=running.planned_start_on,
        hours=Decimal(4), kind="theory", reason="")) == "correction_reason_required"
    assert not AttendanceCorrection.objects.exists()


@pytest.mark.django_db
def test_the_evidence_is_read_by_hr_and_the_classs_institution_only(client, running, officer):
    first = running.enrolments.first()
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={first.pk: "到"}, reason="补录",
        evidence=SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test", content_type="application/pdf"))
    url = correction.evidence.url
    assert url == f"/documents/attendance-corrections/{correction.pk}/evidence/"
    for user, status in ((running.clerk, 200), (officer, 200),
                         (factories.institution_user(factories.TrainingInstitutionFactory(), "other_clerk"), 404)):
        client.force_login(user)
        assert client.get(url).status_code == status


@pytest.mark.django_db
def test_the_clerks_to_do_says_until_when_and_then_that_a_correction_is_needed(client, running, monkeypatch):
    """R20 (三(七)) on the institution's home page: a session without marks is listed with its
    deadline while open, then as needing a correction, and no longer once one is waiting for HR;
    today's session not yet begun says when its marks open."""
    home = reverse("institutions:home")

    def listed(now):
        set_clock(monkeypatch, now)
        client.force_login(running.clerk)  # a session signs out after hours (the clock moves days here)
        response = client.get(home)
        return [(s.pk, phase) for _, s, _, phase in response.context["todo"]["sessions"]], response.content.decode()

    items, page = listed(moment(running, hour=8, minute=29))
    assert items == [(running.session.pk, "upcoming")] and "08:30开始后记考勤" in page
    items, page = listed(moment(running, hour=8, minute=30))
    assert items == [(running.session.pk, "open")] and "录入截止" in page
    items, page = listed(moment(running, days=1, hour=12, minute=30))  # 4 h + 24 h after 08:30
    assert items == [(running.session.pk, "closed")] and "考勤已截止录入,需申请更正" in page
    first = running.enrolments.first()
    services.request_attendance_correction(running.session, by=running.clerk, now=moment(running, days=2),
                                           marks={first.pk: "到"}, reason="当天网络中断,附纸质签到表")
    assert listed(moment(running, days=2))[0] == []


@pytest.mark.django_db
def test_hrs_attendance_list_marks_and_filters_the_corrected_marks(client, running, officer):
    """R20 (三(七)): in the admin's 考勤 list a mark written by an approved correction says so, and
    HR can list only those."""
    first, second = running.enrolments.order_by("pk")
    services.record_attendance(running.session, by=running.clerk, now=moment(running, hour=9), marks={first.pk: "到"})
    correction = services.request_attendance_correction(
        running.session, by=running.clerk, now=moment(running, days=2), marks={second.pk: "缺"}, reason="漏记")
    services.approve_attendance_correction(correction, by=officer, now=moment(running, days=2, hour=10))
    client.force_login(officer)
    url = reverse("admin:courses_attendancerecord_changelist")
    listed = client.get(url)
    assert "经批准更正" in listed.content.decode()
    assert [m.enrolment_id for m in listed.context["cl"].result_list if m.correction_id] == [second.pk]
    only = client.get(url, {"correction__isempty": "0"}).context["cl"].result_list
    assert [m.enrolment_id for m in only] == [second.pk]
    never = client.get(url, {"correction__isempty": "1"}).context["cl"].result_list
    assert [m.enrolment_id for m in never] == [first.pk]
