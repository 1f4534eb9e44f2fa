"""Import previews that teach: every problem of every row in one pass, the first rows that will
be written (masked as the screens mask them), and no confirmation when nothing would be written."""

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from courses import services
from courses.models import Enrolment
from tests import factories
from tests.ids import make_id_number
from tests.imports.corpus import sheet
from tests.scenarios import START, completed_class, county_moment
from trainees.models import CategoryMembership, Trainee

pytestmark = pytest.mark.django_db
TRAINEES = ["身份证号", "姓名", "联系电话", "所属乡镇", "文化程度", "培训对象类别", "类别起始日期", "住址"]
ROSTER = ["身份证号", "培训券号", "姓名"]
RESULTS = ["身份证号", "姓名", "考核结果", "考核日期", "理论成绩", "实操成绩", "证书编号", "发证日期"]
TRAINEES_URL = "/township/import/trainees/"


@pytest.fixture
def official(client):
    client.force_login(factories.township_user(factories.TownshipFactory(name="韩店镇")))
    return client


def person(number, name="张三", phone="13812345678", category="农村劳动力", address="韩店村"):
    return [number, name, phone, "韩店镇", "初中", category, "2018-05-14", address]


def problems(response):
    return [(e.row, e.column) for e in response.context["plan"].errors]


def test_a_bad_id_number_does_not_hide_the_same_rows_other_problems(official):
    good = make_id_number(sequence=3)
    bad_id = make_id_number(sequence=4)[:17] + ("0" if make_id_number(sequence=4)[17] != "0" else "1")
    rows = [person(bad_id, name="王" * 51, phone="12345", address="村" * 201),
            person(good, category="失业"),  # a cell that cannot be read: the rest of the row is still checked
            person(good)]  # the same person as row 3
    response = official.post(TRAINEES_URL, {"file": sheet(TRAINEES, rows)})
    assert problems(response) == [(2, "身份证号"), (2, "姓名"), (2, "联系电话"), (2, "住址"),
                                  (3, "培训对象类别"), (4, "身份证号")]
    reasons = [e.reason for e in response.context["plan"].errors]
    assert "校验码" in reasons[0] and "第3行是同一人" in reasons[5]
    page = response.content.decode()
    # Row and reason first (what matters on a phone), then the column and the value.
    assert page.index("<th>行号</th><th>原因</th><th>列</th><th>内容</th>") > 0
    assert bad_id not in page and "确认导入" not in page and Trainee.objects.count() == 0


def test_a_clean_sheet_shows_the_first_rows_it_will_write_masked(official):
    numbers = [make_id_number(birth="19850101", sequence=i) for i in range(1, 13)]
    response = official.post(TRAINEES_URL, {"file": sheet(TRAINEES, [
        person(n, name=f"学员{i}", phone=f"1391234{i:04d}") for i, n in enumerate(numbers)])})
    headers, rows = response.context["preview_headers"], response.context["preview_rows"]
    assert headers[:4] == ["行号", "身份证号", "姓名", "联系电话"]
    assert len(rows) == 10 and rows[0][:4] == ["第2行", numbers[0][:6] + "********" + numbers[0][-4:], "学员0",
                                               "139****0000"]
    assert rows[0][6] == "农村劳动力" and rows[0][7] == "2018-05-14"
    page = response.content.decode()
    assert "前10行,共12行" in page and "确认导入12行" in page
    assert not any(n in page for n in numbers) and "13912340000" not in page


def test_nothing_to_write_offers_no_confirmation_and_says_why(official):
    existing = factories.TraineeFactory(township=factories.TownshipFactory(name="苏店镇"))
    response = official.post(TRAINEES_URL, {"file": sheet(TRAINEES, [person(existing.id_number)])})
    plan = response.context["plan"]
    assert plan.is_clean and plan.row_count == 0 and not response.context["may_confirm"]
    page = response.content.decode()
    assert "确认导入" not in page and "不需要导入" in page and "不会写入任何数据" in page
    # Confirming the batch anyway writes nobody.
    official.post(TRAINEES_URL, {"batch": response.context["batch"].pk})
    assert Trainee.objects.count() == 1


@pytest.fixture
def approved(db):
    training_class = factories.class_application()
    clerk = factories.institution_user(training_class.institution, username="clerk")
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=factories.hr_user("officer"))
    training_class.clerk = clerk
    return training_class


def test_a_roster_row_lists_every_problem_of_the_person(client, approved, monkeypatch):
    """The person lacks a category on the start date and is in an overlapping class: both, on
    the row, in one upload, each naming the dates it depends on."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2018, 5, 20))  # before the class ends (R21)
    trainee = factories.TraineeFactory()
    other = factories.class_application(planned_start_on=date(2018, 5, 27), planned_end_on=date(2018, 6, 5))
    services.submit_class_application(other, by=approved.clerk)
    services.approve_class(other, by=factories.hr_user("officer2"))
    services.enrol_trainee(other, by=approved.clerk, today=date(2018, 5, 20), id_number=trainee.id_number)
    CategoryMembership.objects.filter(trainee=trainee).update(held_until=date(2018, 5, 31))
    client.force_login(approved.clerk)
    response = client.post(reverse("courses:import-roster", args=[approved.pk]),
                           {"file": sheet(ROSTER, [(trainee.id_number, "", trainee.name)])})
    errors = response.context["plan"].errors
    assert [(e.row, e.column) for e in errors] == [(2, "身份证号"), (2, "身份证号")]
    assert "至2018-05-31止,早于开班日期" in errors[0].reason
    assert f"培训班{other.code}(2018-05-27至2018-06-05)" in errors[1].reason
    assert errors[0].value == trainee.masked_id_number
    assert not Enrolment.objects.filter(training_class=approved).exists()


def test_the_same_attendance_sheet_again_offers_nothing_to_confirm(client, approved, monkeypatch):
    people = factories.TraineeFactory.create_batch(2)
    for one in people:
        services.enrol_trainee(approved, by=approved.clerk, today=date(2018, 5, 20), id_number=one.id_number)
    services.start_class(approved, by=approved.clerk, today=approved.planned_start_on)
    services.schedule_session(approved, by=approved.clerk, held_on=date(2018, 6, 1), hours=Decimal(4),
                              kind="practical", starts_at=datetime.time(8), today=date(2018, 6, 1))
    # R20: the sheet is imported while the session's marks may still be entered.
    monkeypatch.setattr("django.utils.timezone.now", lambda: county_moment(date(2018, 6, 1), datetime.time(15)))
    client.force_login(approved.clerk)
    url = reverse("courses:import-attendance", args=[approved.pk])
    rows = [(people[0].id_number, "", "到"), (people[1].id_number, "", "缺")]
    first = client.post(url, {"file": sheet(["身份证号", "姓名", "2018-06-01"], rows)})
    assert first.context["preview_rows"] == [
        ["第2行", people[0].masked_id_number, "", "到"], ["第3行", people[1].masked_id_number, "", "缺"]]
    client.post(url, {"batch": first.context["batch"].pk})
    again = client.post(url, {"file": sheet(["身份证号", "姓名", "2018-06-01"], rows)})
    assert again.context["plan"].is_clean and again.context["plan"].row_count == 0
    page = again.content.decode()
    assert "确认导入" not in page and "与系统中已记录的完全相同" in page
    changed = client.post(url, {"file": sheet(["身份证号", "姓名", "2018-06-01"], [rows[0], (people[1].id_number, "", "到")])})
    assert [row[0] for row in changed.context["preview_rows"]] == ["第3行"] and "确认导入1行" in changed.content.decode()


def test_a_results_row_off_the_roster_with_a_bad_date_gets_both_reasons(client):
    training_class = completed_class(trainees=1, certified=False)
    stranger = factories.TraineeFactory()
    end = START + datetime.timedelta(days=9)
    client.force_login(training_class.clerk)
    response = client.post(reverse("certification:import-results", args=[training_class.pk]), {"file": sheet(
        RESULTS, [(stranger.id_number, "", "合格", "六月二十日", 80, 90, "", ""),
                  (training_class.enrolments.get().trainee.id_number, "", "合格", end, 80, 90, "C-9", "")])})
    assert problems(response) == [(2, "身份证号"), (2, "考核日期"), (3, "发证日期")]
    assert "不在本班名册中" in response.context["plan"].errors[0].reason
