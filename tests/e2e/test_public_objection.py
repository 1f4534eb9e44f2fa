"""A member of the public, on a 360-pixel phone, opens the public page, finds a line on notice,
objects to it (first with too short a reason, is told what to write), and sees the confirmation;
then a county HR officer finds the objection in the admin with the contact phone and upholds it."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from subsidies.models import ClaimObjection, SubsidyClaim
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
SHOTS = Path(__file__).resolve().parents[2] / "e2e-screenshots" / "public-objection"
CONTACT = "13912345678"
REASON = "该学员培训期间一直在外地务工,没有参加培训,请核查。"


@pytest.fixture(autouse=True)
def own_counters(settings):
    """The rate limit counts per address, and every browser here is 127.0.0.1: its counters
    are this test's own, even where the run's cache is a shared Redis."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_public_objects_on_a_phone_and_hr_upholds_it(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    year = factories.PolicyYearFactory(year=today.year)
    line = factories.ClaimLineFactory(claim__training_class__policy_year=year, enrolment__trainee__name="欧阳小明",
                                      claim__institution__name="长治县某职业培训学校")
    factories.ClaimLineFactory(claim=line.claim, enrolment__trainee__name="李四")
    SubsidyClaim.objects.filter(pk=line.claim_id).update(
        status="publicised", publicity_starts_on=today - datetime.timedelta(days=1),
        publicity_ends_on=today + datetime.timedelta(days=5))
    reference = f"GS{line.claim_id}-{line.pk}"
    hr = factories.hr_user("hr_queue", first_name="红梅", last_name="牛")

    # The public: the page, the notice, the line's reference and its link.
    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    page.goto(f"{live_server.url}/public/")
    assert fits(page, PHONE["width"])
    assert "如何提出异议" in page.inner_text("#how-to-object")
    row = page.locator("tr", has_text=reference)
    assert "欧**明" in row.inner_text() and "欧阳小明" not in page.content()
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "01-public-page-360.png"), full_page=True)
    row.get_by_role("link", name=f"对公示编号{reference}提出异议").click()

    # The form, the reference filled in; too short a reason is refused and explained.
    assert page.input_value("#id_reference") == reference
    page.fill("#id_reason", "没来")
    page.fill("#id_phone", CONTACT)
    page.click("button[type=submit]")
    assert "异议内容请写10至500个字" in page.inner_text(".objection")
    assert page.input_value("#id_reason") == "没来" and page.input_value("#id_phone") == ""
    assert fits(page, PHONE["width"])
    page.screenshot(path=str(SHOTS / "02-reason-too-short-360.png"), full_page=True)
    assert not ClaimObjection.objects.exists()

    page.fill("#id_reason", REASON)
    page.fill("#id_phone", "139 1234 5678")
    page.click("button[type=submit]")
    assert "异议已收到,县人社局将在公示期内核查处理" in page.inner_text("[role=status]")
    content = page.content()
    assert CONTACT not in content and "欧**明" not in content and reference not in content
    assert fits(page, PHONE["width"])
    page.screenshot(path=str(SHOTS / "03-received-360.png"), full_page=True)
    objection = ClaimObjection.objects.get()
    assert (objection.line, objection.channel, objection.contact_phone) == (line, "online", CONTACT)

    # County HR: the queue, the phone on the objection's page, the decision.
    admin = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    admin.goto(f"{live_server.url}/admin/login/")
    admin.fill("#id_username", hr.username)
    admin.fill("#id_password", "Test-password-2018")
    admin.click("[type=submit]")
    admin.goto(f"{live_server.url}/admin/subsidies/claimobjection/?channel__exact=online")
    listed = admin.locator("#result_list tbody tr")
    assert listed.count() == 1
    assert "公示页面网上提交" in listed.inner_text() and "139****5678" in listed.inner_text()
    admin.screenshot(path=str(SHOTS / "04-hr-queue.png"), full_page=True)
    listed.locator("th a, td a").first.click()
    assert CONTACT in admin.inner_text("#content") and REASON in admin.inner_text("#content")
    admin.screenshot(path=str(SHOTS / "05-hr-objection.png"), full_page=True)

    admin.goto(f"{live_server.url}/admin/subsidies/claimobjection/?channel__exact=online")
    admin.check("#result_list tbody input.action-select")
    admin.select_option("select[name=action]", "uphold_selected")
    with admin.expect_navigation():
        admin.click("button[name=index]")
    admin.fill("textarea[name=note]", "经核实该学员培训期间在外地务工")
    # The decision is read from the database only once its page has come back.
    with admin.expect_navigation():
        admin.click("#service-action-form input[type=submit]")
    admin.screenshot(path=str(SHOTS / "06-hr-upheld.png"), full_page=True)
    objection.refresh_from_db()
    line.refresh_from_db()
    assert objection.is_upheld is True and line.is_void
