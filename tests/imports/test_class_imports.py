"""Roster and attendance sheets of a class: the same services as the screens."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from stdnum.cn import ric

from courses import services
from courses.models import AttendanceRecord, Enrolment
from tests import factories
from tests.imports.corpus import sheet
from tests.scenarios import county_moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(db):
    training_class = factories.class_application(capacity=3)
    clerk = factories.institution_user(training_class.institution, username="clerk")
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=factories.hr_user("officer"))
    training_class.clerk = clerk
    return training_class


def post(client, url, file):
    response = client.post(url, {"file": file})
    return response, response.context["plan"]


def test_roster_sheet_enrols_through_the_service(client, approved, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2018, 5, 20))  # R21: before the end
    client.force_login(approved.clerk)
    url = reverse("courses:import-roster", args=[approved.pk])
    people = factories.TraineeFactory.create_batch(4)
    rows = [(p.id_number, "", p.name) for p in people]
    # More rows than seats: refused before any row runs through the service.
    response = client.post(url, {"file": sheet(["身份证号", "培训券号", "姓名"], rows)})
    assert response.status_code == 400 and "计划人数为3人" in response.context["refusal"]
    # One seat taken on screen: the sheet's third row is refused by the service, as on screen.
    services.enrol_trainee(approved, by=approved.clerk, today=approved.planned_start_on, id_number=rows[3][0])
    response, plan = post(client, url, sheet(["身份证号", "培训券号", "姓名"], rows[:3]))
    assert [e.row for e in plan.errors] == [4]
    assert "已满3人" in plan.errors[0].reason
    assert Enrolment.objects.count() == 1
    response, plan = post(client, url, sheet(["身份证号", "培训券号", "姓名"], rows[:2]))
    assert plan.is_clean
    client.post(url, {"batch": response.context["batch"].pk})
    assert approved.enrolments.count() == 3


def test_roster_duplicate_row_is_refused(client, approved):
    client.force_login(approved.clerk)
    person = factories.TraineeFactory()
    _, plan = post(client, reverse("courses:import-roster", args=[approved.pk]),
                   sheet(["身份证号", "培训券号", "姓名"], [(person.id_number, "", ""), (person.id_number, "", "")]))
    assert any("第2行重复" in e.reason for e in plan.errors)


@pytest.fixture
def running(approved, monkeypatch):
    people = factories.TraineeFactory.create_batch(2)
    for person in people:
        services.enrol_trainee(approved, by=approved.clerk, today=datetime.date(2018, 5, 20),
                               id_number=person.id_number)
    services.start_class(approved, by=approved.clerk, today=approved.planned_start_on)
    for day in (1, 2):
        for hour in (8, 14):
            services.schedule_session(approved, by=approved.clerk, held_on=datetime.date(2018, 6, day),
                                      hours=Decimal(4), kind="practical", starts_at=datetime.time(hour),
                                      today=datetime.date(2018, 6, 1))
    # R20: the sheets below are imported on 2 June at 14:30, with a 48-hour grace period every
    # session's marks may still be entered.
    approved.policy_year.attendance_grace_hours = 48
    approved.policy_year.save()
    monkeypatch.setattr("django.utils.timezone.now", lambda: county_moment(datetime.date(2018, 6, 2), datetime.time(14, 30)))
    approved.refresh_from_db()
    return approved


def test_attendance_template_lists_roster_and_sessions(client, running):
    client.force_login(running.clerk)
    response = client.get(reverse("courses:import-attendance", args=[running.pk]) + "?template=1")
    ws = load_workbook(BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == ["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00",
                                        "2018-06-02 08:00", "2018-06-02 14:00"]
    ids = [ws.cell(row=r, column=1).value for r in (2, 3, 4)]
    assert ids[:2] == [e.trainee.masked_id_number for e in running.enrolments.order_by("pk")] and ids[2] is None
    assert ws["A2"].number_format == "@"


def test_the_masked_template_filled_in_marks_the_right_trainees(client, running):
    """The template carries the ID numbers masked as the screen shows them; filled in and
    uploaded, each row marks the one trainee of the roster its masked number can be."""
    client.force_login(running.clerk)
    url = reverse("courses:import-attendance", args=[running.pk])
    workbook = load_workbook(BytesIO(client.get(url + "?template=1").content))
    sheet_ = workbook.worksheets[0]
    for row, marks in ((2, ("到", "到", "缺", "到")), (3, ("缺", "到", "到", "到"))):
        for column, mark in enumerate(marks, start=3):
            sheet_.cell(row=row, column=column, value=mark)
    buffer = BytesIO()
    workbook.save(buffer)

    response, plan = post(client, url, SimpleUploadedFile("考勤.xlsx", buffer.getvalue()))
    assert plan.is_clean, [(e.row, e.reason) for e in plan.errors]
    client.post(url, {"batch": response.context["batch"].pk})
    first, second = running.enrolments.order_by("pk")
    absent = AttendanceRecord.objects.filter(is_present=False)
    assert {(r.enrolment_id, r.session.starts_at.hour, r.session.held_on.day) for r in absent} == {
        (first.pk, 8, 2), (second.pk, 8, 1)}


def test_a_masked_number_two_trainees_share_is_refused(client, running):
    """Two trainees of the roster whose numbers agree in the first 6 and last 4 characters: the
    masked form names neither, and the row asks for the full number."""
    first = running.enrolments.order_by("pk").first().trainee
    births = (datetime.date(1970, 1, 1) + datetime.timedelta(days=d) for d in range(3000))
    twin_number = next(n for n in (first.id_number[:6] + f"{b:%Y%m%d}" + first.id_number[14:17] for b in births)
                       if n + "0" != first.id_number[:17] + "0"
                       and ric.calc_check_digit(n + "0") == first.id_number[17])
    twin_number += first.id_number[17]
    twin = factories.TraineeFactory(id_number=twin_number)
    factories.EnrolmentFactory(training_class=running, trainee=twin)
    client.force_login(running.clerk)
    _, plan = post(client, reverse("courses:import-attendance", args=[running.pk]),
                   sheet(["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00", "2018-06-02 08:00",
                          "2018-06-02 14:00"], [(first.masked_id_number, "", "到", "", "", "")]))
    assert [e.reason for e in plan.errors] == ["本班有多名学员的身份证号前6位和后4位与此相同:请填写该学员完整的18位身份证号。"]


def test_a_trainee_on_two_rows_is_refused(client, running):
    """Once by the full number and once masked: the second row is a duplicate, not a second say."""
    first = running.enrolments.order_by("pk").first().trainee
    client.force_login(running.clerk)
    headers = ["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00", "2018-06-02 08:00", "2018-06-02 14:00"]
    _, plan = post(client, reverse("courses:import-attendance", args=[running.pk]),
                   sheet(headers, [(first.id_number, "", "到", "", "", ""), (first.masked_id_number, "", "缺", "", "", "")]))
    assert [(e.row, e.reason) for e in plan.errors] == [(3, "与第2行是同一学员,请删除重复行。")]


def test_the_same_attendance_sheet_twice_gives_the_same_marks(client, running):
    client.force_login(running.clerk)
    url = reverse("courses:import-attendance", args=[running.pk])
    first, second = running.enrolments.order_by("pk")
    headers = ["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00", "2018-06-02 08:00", "2018-06-02 14:00"]
    rows = [(first.trainee.id_number, "", "到", "到", "到", "缺"), (second.trainee.id_number, "", "缺", "到", "", "到")]
    for _ in range(2):
        response, plan = post(client, url, sheet(headers, rows))
        assert plan.is_clean, [(e.row, e.column, e.reason) for e in plan.errors]
        client.post(url, {"batch": response.context["batch"].pk})
    assert AttendanceRecord.objects.count() == 7
    assert AttendanceRecord.objects.filter(is_present=False).count() == 2


def test_a_bare_number_in_the_sheet_is_hours_never_a_whole_day(client, running):
    """R3 (三(五)): 到/缺 for present and absent; a number is the hours attended, so a 1 in a
    4-hour session is 1 hour present, a 4 the whole session, and a 0 or 5 is refused at its cell."""
    client.force_login(running.clerk)
    url = reverse("courses:import-attendance", args=[running.pk])
    first = running.enrolments.order_by("pk").first()
    headers = ["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00", "2018-06-02 08:00", "2018-06-02 14:00"]
    _, plan = post(client, url, sheet(headers, [(first.trainee.id_number, "", "0", "到", "5", "")]))
    assert [(e.row, e.column) for e in plan.errors] == [(2, "2018-06-01 08:00"), (2, "2018-06-02 08:00")]
    assert "出勤填「到」,缺勤填「缺」" in plan.errors[0].reason and AttendanceRecord.objects.count() == 0
    response, plan = post(client, url, sheet(headers, [(first.trainee.id_number, "", "1", "4", "2.5", "缺")]))
    assert plan.is_clean, [(e.row, e.column, e.reason) for e in plan.errors]
    client.post(url, {"batch": response.context["batch"].pk})
    marks = [(m.is_present, m.hours_present) for m in AttendanceRecord.objects.filter(enrolment=first)
             .order_by("session__held_on", "session__starts_at")]
    assert marks == [(True, Decimal("1.0")), (True, None), (True, Decimal("2.5")), (False, None)]
    # The printed sheet and its export write the marks back the same way: 到, 缺, hours.
    printed = client.get(reverse("courses:print-attendance", args=[running.pk])).content.decode()
    assert "<td>1</td><td>到</td><td>2.5</td><td>缺</td>" in printed and "√" not in printed
    exported = load_workbook(BytesIO(client.get(reverse("courses:print-attendance", args=[running.pk]) + "?export=xlsx")
                                     .content)).worksheets[0]
    row = next(r for r in exported.iter_rows(values_only=True) if r[1] == first.trainee.masked_id_number)
    assert list(row[2:6]) == ["1", "到", "2.5", "缺"]


def test_a_mark_for_a_date_without_a_session_is_refused(client, running):
    client.force_login(running.clerk)
    first = running.enrolments.first()
    _, plan = post(client, reverse("courses:import-attendance", args=[running.pk]),
                   sheet(["身份证号", "姓名", "2018-06-03"], [(first.trainee.id_number, "", "到")]))
    assert "没有课次" in plan.errors[0].reason
    assert AttendanceRecord.objects.count() == 0


def test_a_stranger_in_the_attendance_sheet_is_refused(client, running):
    client.force_login(running.clerk)
    stranger = factories.TraineeFactory()
    headers = ["身份证号", "姓名", "2018-06-01 08:00", "2018-06-01 14:00", "2018-06-02 08:00", "2018-06-02 14:00"]
    _, plan = post(client, reverse("courses:import-attendance", args=[running.pk]),
                   sheet(headers, [(stranger.id_number, "", "到", "到", "到", "到")]))
    assert "不在本班名册" in plan.errors[0].reason


def test_hr_imports_a_roster_from_the_admin(hr_client, approved, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2018, 5, 20))  # R21: before the end
    page = hr_client.get(reverse("admin:courses_trainingclass_change", args=[approved.pk])).content.decode()
    url = reverse("courses:import-roster", args=[approved.pk])
    assert url in page
    person = factories.TraineeFactory()
    response, plan = post(hr_client, url, sheet(["身份证号", "培训券号", "姓名"], [(person.id_number, "", "")]))
    assert plan.is_clean and "长治县全民技能提升工程管理系统" in response.content.decode()
    hr_client.post(url, {"batch": response.context["batch"].pk})
    assert approved.enrolments.get().trainee == person
