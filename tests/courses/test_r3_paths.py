"""R3 《实施方案》三(五) through the pages a clerk uses: the 无法达标 flag on the attendance and class
pages (judged against the class's planned total hours, not the sessions scheduled so far), the
到课率预警 of the institution home, and the assessment-results page that lets only trainees at or
above 85 % sit the end-of-course assessment. Each boundary is checked on both sides. The clock is
the server's (django.utils.timezone.now, monkeypatched), on the county's clock (Asia/Shanghai)."""

import datetime
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import Assessment
from courses import services
from courses.models import ClassStatus, Enrolment
from tests import factories
from tests.scenarios import county_moment

pytestmark = pytest.mark.django_db

START, END = date(2018, 6, 1), date(2018, 6, 10)  # the factory's class: 10 days, 80 planned hours
DAY = datetime.timedelta(days=1)
R3_CLAUSE = "《实施方案》三(五)"
UNREACHABLE = '<span class="flag">无法达标</span>'  # the flag itself, not the hint that explains it


def set_clock(monkeypatch, client, user, now):
    """The server's clock at `now`; the session is signed in again (a login expires after hours
    and the tests move the clock by days)."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    client.force_login(user)


def page(response):
    return response.content.decode()


def visible(html):
    """The page's text without its tags and their attributes (a random CSRF token can hold "R3")."""
    return re.sub(r"<[^>]*>", " ", html)


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


def start_with(training_class, names):
    """Enrol one trainee per name (before the start), start the class on 1 June; the enrolments
    by name."""
    for name in names:
        person = factories.TraineeFactory(name=name)
        services.enrol_trainee(training_class, by=training_class.clerk, today=date(2018, 5, 20),
                               id_number=person.id_number)
    services.start_class(training_class, by=training_class.clerk, today=START)
    training_class.refresh_from_db()
    return {e.trainee.name: e for e in training_class.enrolments.select_related("trainee")}


def hold(training_class, day_index, marks_by_name, enrolments, *, hours=Decimal(8)):
    """One 8-hour session on the given day of the class, scheduled in advance and marked at its
    start (R20) through the services; a mark is 到, 缺 or the hours present."""
    held_on = START + day_index * DAY
    session = services.schedule_session(training_class, by=training_class.clerk, held_on=held_on, hours=hours,
                                        kind="practical", starts_at=time(8, 30), today=START)
    services.record_attendance(session, by=training_class.clerk, now=county_moment(held_on, time(8, 30)),
                               marks={enrolments[name].pk: mark for name, mark in marks_by_name.items()})
    return session


def attendance_item(text, name):
    """The attendance page's <li> of one trainee."""
    items = [li for li in re.findall(r"<li class=\"[^\"]*\">(.*?)</li>", text, flags=re.S) if name in li]
    assert len(items) == 1, name
    return items[0]


def roster_row(text, name):
    """The class page's roster <tr> of one trainee."""
    rows = [tr for tr in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", text, flags=re.S) if f"<td>{name}</td>" in tr]
    assert len(rows) == 1, name
    return rows[0]


def standing_of(response, enrolment):
    """The standing the page computed for one trainee (class page: (e, s); attendance: (e, mark, s))."""
    found = [row[-1] for row in response.context["rows"] if row[0].pk == enrolment.pk]
    assert len(found) == 1
    return found[0]


# 1. 无法达标 on the attendance page and the class page ------------------------------------------------

def test_r3_one_absence_in_the_first_of_ten_sessions_is_not_flagged_on_either_page(client, approved, monkeypatch):
    """Absent from the only session held so far (8 of 80 planned hours): 90 % is still reachable, so
    neither page says 无法达标 — against the 8 hours scheduled so far the trainee would be at 0 %."""
    enrolments = start_with(approved, ["缺一次", "全勤"])
    session = hold(approved, 0, {"缺一次": "缺", "全勤": "到"}, enrolments)
    set_clock(monkeypatch, client, approved.clerk, county_moment(START, time(18)))

    sheet_page = client.get(reverse("courses:attendance", args=[session.pk]))
    detail = client.get(reverse("courses:class-detail", args=[approved.pk]))
    assert sheet_page.status_code == detail.status_code == 200
    for response in (sheet_page, detail):
        standing = standing_of(response, enrolments["缺一次"])
        assert standing.rate_so_far == Decimal(0)  # the session held so far: absent
        assert standing.best_reachable_rate == Decimal("0.9000") and standing.can_still_meet
    assert UNREACHABLE not in page(sheet_page) and UNREACHABLE not in page(detail)
    assert "最高可达 90.0%" in attendance_item(page(sheet_page), "缺一次")
    assert "<td>90.0%</td>" in roster_row(page(detail), "缺一次")
    assert f"{R3_CLAUSE} 不得低于85.0%" in page(detail)


@pytest.mark.parametrize("present_on_day_two, best, flagged", [
    ("4.5", "85.6%", False),  # 11.5 of 80 planned hours missed (just below 15 %): 85.625 % reachable
    ("4", "85.0%", False),    # 12 of 80 missed (exactly 15 %): 85 % reachable, not flagged
    ("3.5", "84.3%", True),   # 12.5 of 80 missed (just above 15 %): 84.375 %, 无法达标
], ids=["11.5h-missed", "12h-missed", "12.5h-missed"])
def test_r3_unreachable_is_flagged_just_above_15_percent_of_planned_hours_missed(
        client, approved, monkeypatch, present_on_day_two, best, flagged):
    """Absent on day one (8 h), then present for part of day two's 8 hours; a classmate always
    present is never flagged. Both pages judge against the 80 planned hours."""
    enrolments = start_with(approved, ["边界", "全勤"])
    hold(approved, 0, {"边界": "缺", "全勤": "到"}, enrolments)
    session = hold(approved, 1, {"边界": present_on_day_two, "全勤": "到"}, enrolments)
    set_clock(monkeypatch, client, approved.clerk, county_moment(START + DAY, time(18)))

    sheet_page = client.get(reverse("courses:attendance", args=[session.pk]))
    detail = client.get(reverse("courses:class-detail", args=[approved.pk]))
    assert sheet_page.status_code == detail.status_code == 200
    for response in (sheet_page, detail):
        assert standing_of(response, enrolments["边界"]).can_still_meet is not flagged
        assert standing_of(response, enrolments["全勤"]).can_still_meet
    item, row = attendance_item(page(sheet_page), "边界"), roster_row(page(detail), "边界")
    assert f"最高可达 {best}" in item and f"<td>{best}" in row
    assert (UNREACHABLE in item) is flagged and (UNREACHABLE in row) is flagged
    assert UNREACHABLE not in attendance_item(page(sheet_page), "全勤")
    assert UNREACHABLE not in roster_row(page(detail), "全勤")
    # The class page says which rule the flag applies and what it means for the trainee.
    detail_text = page(detail)
    assert f"{R3_CLAUSE} 不得低于85.0%" in detail_text and "不能参加考核和申领补贴" in detail_text
    assert "R3" not in visible(detail_text)


def test_r3_the_attendance_page_cites_the_clause_beside_its_flag(client, approved, monkeypatch):
    enrolments = start_with(approved, ["边界"])
    hold(approved, 0, {"边界": "缺"}, enrolments)
    session = hold(approved, 1, {"边界": "3.5"}, enrolments)
    set_clock(monkeypatch, client, approved.clerk, county_moment(START + DAY, time(18)))
    text = page(client.get(reverse("courses:attendance", args=[session.pk])))
    assert UNREACHABLE in text and R3_CLAUSE in text


# 2. 到课率预警 on the institution home -------------------------------------------------------------

def test_r3_the_home_todo_lists_a_trainee_at_risk_and_not_one_well_above(client, approved, monkeypatch):
    """The warning starts below 85 % + 5 points of best reachable rate: missing 8.5 of 80 planned
    hours (89.375 %) is at risk though still reachable; exactly 90 % and full attendance are not;
    missing 12.5 hours (84.375 %) is at risk and 已无法达标."""
    names = ["预警", "九成", "全勤", "无望"]
    enrolments = start_with(approved, names)
    hold(approved, 0, {"预警": "缺", "九成": "缺", "全勤": "到", "无望": "缺"}, enrolments)
    hold(approved, 1, {"预警": "7.5", "九成": "到", "全勤": "到", "无望": "3.5"}, enrolments)
    set_clock(monkeypatch, client, approved.clerk, county_moment(START + DAY, time(18)))

    response = client.get(reverse("institutions:home"))
    assert response.status_code == 200
    at_risk = {e.trainee.name: s for c, e, s in response.context["todo"]["at_risk"]}
    assert set(at_risk) == {"预警", "无望"}
    assert all(c.pk == approved.pk for c, e, s in response.context["todo"]["at_risk"])
    assert (at_risk["预警"].best_reachable_rate, at_risk["预警"].can_still_meet) == (Decimal("0.8937"), True)
    assert (at_risk["无望"].best_reachable_rate, at_risk["无望"].can_still_meet) == (Decimal("0.8437"), False)
    todo = re.search(r'<ul class="todo">(.*?)</ul>', page(response), flags=re.S).group(1)
    warnings = {line for line in re.findall(r"<li>(到课率预警:.*?)</li>", todo, flags=re.S)}
    assert any("预警 最高可达89.3%" in w and "已无法达标" not in w for w in warnings)
    assert any("无望 最高可达84.3%(已无法达标)" in w for w in warnings)
    assert not any("九成" in w or "全勤" in w for w in warnings)


def test_r3_the_home_todo_cites_the_clause_of_its_warning(client, approved, monkeypatch):
    enrolments = start_with(approved, ["预警"])
    hold(approved, 0, {"预警": "缺"}, enrolments)
    hold(approved, 1, {"预警": "7.5"}, enrolments)
    set_clock(monkeypatch, client, approved.clerk, county_moment(START + DAY, time(18)))
    todo = re.search(r'<ul class="todo">(.*?)</ul>', page(client.get(reverse("institutions:home"))),
                     flags=re.S).group(1)
    assert "到课率预警" in todo and R3_CLAUSE in todo


# 3. Assessment results (certification:results) at completion -----------------------------------------

@pytest.fixture
def completed(approved):
    """`approved` run to completion: ten days of two 4-hour sessions (80 hours), marked at each
    session's start; 满 misses nothing, 恰好 misses 12 hours (68/80 = exactly 85 %), 差半 misses
    12.5 hours (67.5/80 = 84.375 %)."""
    enrolments = start_with(approved, ["满", "恰好", "差半"])
    missed = {"满": Decimal(0), "恰好": Decimal(12), "差半": Decimal("12.5")}
    left = dict(missed)
    for day in range(10):
        held_on = START + day * DAY
        for starts_at, kind in ((time(8, 30), "theory" if day < 2 else "practical"), (time(14), "practical")):
            session = services.schedule_session(approved, by=approved.clerk, held_on=held_on, hours=Decimal(4),
                                                kind=kind, starts_at=starts_at, today=START)
            marks = {}
            for name, e in enrolments.items():
                miss = min(left[name], Decimal(4))
                left[name] -= miss
                marks[e.pk] = "到" if miss == 0 else ("缺" if miss == 4 else f"{Decimal(4) - miss}")
            services.record_attendance(session, by=approved.clerk, now=county_moment(held_on, starts_at), marks=marks)
    services.complete_class(approved, by=approved.clerk, today=END)
    approved.refresh_from_db()
    assert approved.status == ClassStatus.COMPLETED
    rates = {n: (e.attendance_rate, e.meets_attendance)
             for n, e in ((n, Enrolment.objects.get(pk=e.pk)) for n, e in enrolments.items())}
    assert rates == {"满": (Decimal(1), True), "恰好": (Decimal("0.85"), True),
                     "差半": (Decimal("0.8437"), False)}
    approved.by_name = {n: Enrolment.objects.get(pk=e.pk) for n, e in enrolments.items()}
    return approved


def result_post(*enrolments, result="passed"):
    data = {}
    for e in enrolments:
        data.update({f"result-{e.pk}": result, f"assessed-{e.pk}": END.isoformat(),
                     f"theory-{e.pk}": "80", f"practical-{e.pk}": "85"})
    return data


@pytest.mark.parametrize("who", ["clerk", "officer"])
def test_r3_the_results_page_accepts_a_trainee_at_exactly_85_percent(client, completed, monkeypatch, who):
    user = getattr(completed, who)
    set_clock(monkeypatch, client, user, county_moment(END + DAY, time(10)))
    url = reverse("certification:results", args=[completed.pk])
    at_threshold = completed.by_name["恰好"]
    response = client.post(url, result_post(at_threshold), follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "考核结果和证书已保存" in page(response)
    assessment = Assessment.objects.get()
    assert (assessment.enrolment_id, assessment.result, assessment.assessed_on, assessment.recorded_by) == (
        at_threshold.pk, "passed", END, user)


@pytest.mark.parametrize("who", ["clerk", "officer"])
def test_r3_the_results_page_writes_nothing_for_a_trainee_below_85_percent(client, completed, monkeypatch, who):
    """84.375 % at completion: no Assessment row, the trainee is not offered a result cell, and the
    page lists them as not allowed to sit, with the clause."""
    set_clock(monkeypatch, client, getattr(completed, who), county_moment(END + DAY, time(10)))
    url = reverse("certification:results", args=[completed.pk])
    below = completed.by_name["差半"]
    client.post(url, result_post(below))
    assert not Assessment.objects.exists()
    shown = client.get(url)
    text = page(shown)
    assert f'name="result-{below.pk}"' not in text
    assert f'name="result-{completed.by_name["恰好"].pk}"' in text
    assert f"差半:到课率84.3%,未达到标准({R3_CLAUSE}),可报名以后的班次重新培训" in text


@pytest.mark.parametrize("who", ["clerk", "officer"])
def test_r3_the_results_page_refuses_a_trainee_below_85_percent_with_the_clause(client, completed, monkeypatch, who):
    set_clock(monkeypatch, client, getattr(completed, who), county_moment(END + DAY, time(10)))
    url = reverse("certification:results", args=[completed.pk])
    response = client.post(url, result_post(completed.by_name["差半"]), follow=True)
    text = page(response)
    assert not Assessment.objects.exists()
    assert "考核结果和证书已保存" not in text
    assert "不能参加结业考核" in text and R3_CLAUSE in text
    assert response.redirect_chain == [] and 400 <= response.status_code < 500


def test_r3_a_results_post_with_a_trainee_below_85_percent_saves_nothing(client, completed, monkeypatch):
    set_clock(monkeypatch, client, completed.clerk, county_moment(END + DAY, time(10)))
    url = reverse("certification:results", args=[completed.pk])
    response = client.post(url, result_post(completed.by_name["恰好"], completed.by_name["差半"]))
    assert 400 <= response.status_code < 500
    assert "不能参加结业考核" in page(response) and R3_CLAUSE in page(response)
    assert not Assessment.objects.exists()
