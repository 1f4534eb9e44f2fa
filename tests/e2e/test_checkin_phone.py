"""A trainee checks in on their own phone (360 x 740): opens the QR code's address, mistypes
their ID ending, is told what to do, then checks in."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from checkin import services
from checkin.models import CheckIn
from courses.models import ClassStatus
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}
SHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots" / "checkin"


def test_a_trainee_checks_in_on_a_phone(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    start = timezone.localtime() - datetime.timedelta(minutes=20)
    training_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    session = factories.SessionFactory(training_class=training_class, held_on=start.date(),
                                       starts_at=start.time().replace(microsecond=0), hours=4)
    enrolment = factories.EnrolmentFactory(training_class=training_class, trainee__name="张三",
                                           trainee__id_number="14042119900307006X")
    code = services.current_code(session)

    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    page.goto(f"{live_server.url}/checkin/?c={code}")
    assert page.input_value("#id_code") == code
    page.fill("#id_name", "张三")
    page.fill("#id_id_ending", "0000")
    page.click("button[type=submit]")
    page.screenshot(path=str(SHOTS / "01-not-matched.png"), full_page=True)
    assert "姓名或身份证号后4位与本课次名册不一致" in page.inner_text("[role=alert]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.fill("#id_id_ending", "006x")
    page.click("button[type=submit]")
    page.screenshot(path=str(SHOTS / "02-checked-in.png"), full_page=True)
    assert "签到成功" in page.inner_text("[role=status]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert CheckIn.objects.get().enrolment == enrolment
