"""The trainee's page /checkin/ (public, on a phone) and the panel on the clerk's attendance page."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from checkin import policy, services
from checkin.models import CheckIn
from courses.models import ClassStatus
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/checkin/"


@pytest.fixture
def live(db):
    """A class in progress with a session that started 30 minutes ago (real clock)."""
    start = timezone.localtime() - datetime.timedelta(minutes=30)
    training_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    session = factories.SessionFactory(training_class=training_class, held_on=start.date(),
                                       starts_at=start.time().replace(microsecond=0), hours=4)
    zhang = factories.EnrolmentFactory(training_class=training_class, trainee__name="张三",
                                       trainee__id_number="14042119900307006X")
    other = factories.EnrolmentFactory(training_class=training_class, trainee__name="赵六")
    clerk = factories.institution_user(training_class.institution)
    return type("Live", (), dict(training_class=training_class, session=session, zhang=zhang, other=other,
                                 clerk=clerk, code=services.current_code(session)))


def without_token(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_qr_code_opens_the_page_with_the_code_filled_in(client, live):
    response = client.get(URL, {"c": live.code})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{live.code}"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="viewport"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html


def test_a_trainee_checks_in_from_the_page(client, live):
    response = client.post(URL, {"code": live.code, "name": "张三", "id_ending": "006x"}, REMOTE_ADDR="10.3.0.7")
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    stored = CheckIn.objects.get()
    assert (stored.session, stored.enrolment, stored.client_address) == (live.session, live.zhang, "10.3.0.7")
    again = client.post(URL, {"code": live.code, "name": "张三", "id_ending": "006X"})
    assert "您已签到,无需重复签到" in again.content.decode()
    assert CheckIn.objects.count() == 1


def test_the_page_answers_alike_for_a_stranger_and_a_trainee_who_mistyped(live):
    outsider = factories.TraineeFactory(name="王五")
    answers = []
    for name, ending in (("王五", outsider.id_number[-4:]), ("张三", "0000"), ("张四", "006X")):
        response = Client().post(URL, {"code": live.code, "name": name, "id_ending": ending})
        page = without_token(response.content.decode()).replace(name, "").replace(ending, "")
        answers.append((response.status_code, page))
    assert len(set(answers)) == 1
    assert answers[0][0] == 400
    assert policy.NOT_MATCHED in answers[0][1]
    assert not CheckIn.objects.exists()


def test_a_wrong_code_says_what_to_do(client, live):
    response = client.post(URL, {"code": "AAAAAA", "name": "张三", "id_ending": "006X"})
    assert response.status_code == 400
    assert "最新的二维码" in response.content.decode()


def test_too_many_attempts_answer_429(client, live, cache_backend, monkeypatch):
    # One moment for every attempt: the limit counts per minute, and a slow run must not cross one.
    moment = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    for _ in range(policy.ATTEMPTS_PER_ADDRESS_PER_MINUTE):
        client.post(URL, {"code": live.code, "name": "无此人", "id_ending": "0000"})
    response = client.post(URL, {"code": live.code, "name": "张三", "id_ending": "006X"})
    assert response.status_code == 429
    assert "1分钟后再试" in response.content.decode()


def test_the_form_needs_the_csrf_token(live):
    response = Client(enforce_csrf_checks=True).post(URL, {"code": live.code, "name": "张三", "id_ending": "006X"})
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_nothing_typed_reaches_the_log(client, live, caplog):
    caplog.set_level("DEBUG")
    client.post(URL, {"code": live.code, "name": "张三", "id_ending": "006X"})
    client.post(URL, {"code": live.code, "name": "张三", "id_ending": "9999"})
    assert "006X" not in caplog.text and "张三" not in caplog.text and "9999" not in caplog.text


def render_panel(live, user):
    request = RequestFactory().get("/institution/sessions/1/attendance/")
    request.user = user
    return Template("{% load checkin_panel %}{% checkin_panel session %}").render(
        Context({"session": live.session, "request": request}))


def test_the_clerk_sees_the_qr_code_the_code_and_each_check_in_beside_the_mark(live):
    services.check_in(code=live.code, name="张三", id_ending="006X", address="10.0.0.1")
    factories.AttendanceRecordFactory(enrolment=live.zhang, session=live.session, is_present=False)
    html = render_panel(live, live.clerk)
    assert "<svg" in html and 'class="checkin-qr"' in html
    assert live.code in html
    assert "http://testserver/checkin/" in html
    assert 'src="/static/checkin/panel.js"' in html and "<script>" not in html
    row_zhang = re.search(r"<tr[^>]*>\s*<td>张三.*?</tr>", html, re.S).group(0)
    assert "已签到" in row_zhang and "缺" in row_zhang and 'class="flagged"' in row_zhang
    row_other = re.search(r"<tr[^>]*>\s*<td>赵六.*?</tr>", html, re.S).group(0)
    assert "未签到" in row_other and "未登记" in row_other
    assert live.zhang.trainee.id_number not in html  # masked only
    assert "已签到 1 / 2 人" in html


def test_outside_the_session_the_panel_shows_no_code(live):
    live.session.held_on -= datetime.timedelta(days=2)
    live.session.save()
    html = render_panel(live, live.clerk)
    assert "<svg" not in html and "签到只在上课时间内开放" in html


def test_the_panel_refresh_is_the_clerks_own_sessions_only(client, live):
    client.force_login(live.clerk)
    url = reverse("checkin:session-panel", args=[live.session.pk])
    response = client.get(url)
    assert response.status_code == 200 and live.code in response.content.decode()
    other_clerk = factories.institution_user(factories.TrainingInstitutionFactory())
    client.force_login(other_clerk)
    assert client.get(url).status_code == 404


def test_the_panel_lists_the_roster_in_a_fixed_number_of_queries(live, django_assert_max_num_queries):
    for _ in range(10):
        enrolment = factories.EnrolmentFactory(training_class=live.training_class)
        factories.AttendanceRecordFactory(enrolment=enrolment, session=live.session)
    with django_assert_max_num_queries(6):
        render_panel(live, live.clerk)
