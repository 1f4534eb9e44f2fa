"""Each role's main journey in a real browser, end to end, on a live server."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from accounts.models import Role, UserProfile
from courses.models import AttendanceRecord, TrainingClass
from institutions.models import InstitutionYear
from subsidies.models import SubsidyClaim
from tests import factories
from tests.ids import make_id_number
from trainees.models import Trainee

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Journey-2018-skills"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def hr_group():
    """County HR staff as the demo has them: ordinary staff with the programme's permissions."""
    group, _ = Group.objects.get_or_create(name="县人社局工作人员")
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=[
        "programme", "common", "reporting", "accounts", "trainees", "institutions", "courses", "certification",
        "subsidies"]))
    return group


def user(username, role, **party):
    account = User.objects.create_user(username, password=PASSWORD, is_staff=role == Role.HR, last_name=username)
    if role == Role.HR:
        account.groups.add(hr_group())
    UserProfile.objects.create(user=account, role=role, **party)
    return account


def login(browser, live_server, username, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return page


def admin_action(page, live_server, model, pk, action, fields=None):
    page.goto(f"{live_server.url}/admin/{model}/")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    # Wait for the confirmation page itself: reading it before it has loaded would find no button
    # on the list page and skip the confirmation (a slow machine made that a flaky failure).
    with page.expect_navigation():
        page.click("button[name=index]")
    confirm = page.locator("input[type=submit][value^='确认']")
    if confirm.count():  # every state-changing action asks first; a refusal shows no button
        for selector, value in (fields or {}).items():
            page.fill(selector, value)
        with page.expect_navigation():
            confirm.click()


def test_every_role_from_registration_to_public_notice(browser, live_server, shots, tmp_path):
    today = timezone.localdate()
    year = factories.PolicyYearFactory(year=today.year, is_voucher_pilot_on=True)
    township = factories.TownshipFactory(name="韩店镇")
    institution = factories.TrainingInstitutionFactory(name="长治县职业技术学校")
    InstitutionYear.objects.create(institution=institution, policy_year=year)
    occupation = factories.OccupationFactory(policy_year=year, name="中式烹调师", certificate_kind="training")
    line = factories.TargetLineFactory(policy_year=year, name="农民工技能提升培训")
    user("official", Role.TOWNSHIP, township=township)
    user("clerk", Role.INSTITUTION, institution=institution)
    user("reviewer", Role.HR)
    user("approver", Role.HR)
    others = [factories.TraineeFactory(township=township, name=f"学员{i}") for i in range(2)]

    # 1. The township official registers a trainee from the ID card and issues a voucher (phone).
    page = login(browser, live_server, "official", PHONE)
    page.goto(f"{live_server.url}/township/trainees/new/")
    number = make_id_number(birth="19900315", sequence=21)
    page.fill("#id_id_number", number[:6] + " " + number[6:].lower())
    assert "1990年3月15日" in page.locator(".hint[aria-live]").inner_text()
    page.fill("#id_name", "王秀英")
    page.fill("#id_phone", "13812345678")
    page.select_option("#id_category", "rural_labour")
    page.fill("#id_held_from", (today - datetime.timedelta(days=90)).isoformat())
    shots(page, "township-register-phone")
    page.click("button:has-text('登记')")
    page.click("button:has-text('发放培训券')")
    assert re.search(r"QJ\d{4}-[A-Z0-9]{10}", page.content())
    shots(page, "township-voucher-phone")
    trainee = Trainee.objects.get(id_number=number)

    # 2. The institution clerk applies for a class (desktop).
    clerk = login(browser, live_server, "clerk")
    clerk.goto(f"{live_server.url}/institution/classes/new/")
    start = today - datetime.timedelta(days=9)
    clerk.fill("#id_name", "中式烹调师培训班")
    clerk.select_option("#id_occupation", str(occupation.pk))
    clerk.select_option("#id_target_line", str(line.pk))
    clerk.select_option("#id_training_mode", "demand_reserve")
    clerk.fill("#id_planned_start_on", start.isoformat())
    clerk.fill("#id_planned_end_on", (start + datetime.timedelta(days=9)).isoformat())
    for field, value in (("planned_days", "10"), ("total_hours", "80"), ("practical_hours", "56"),
                         ("capacity", "40"), ("venue", "实训楼二层"), ("teachers", "张师傅 高级技师"),
                         ("roster_plan", "韩店镇推荐40人")):
        clerk.fill(f"#id_{field}", value)
    document = tmp_path / "大纲.pdf"
    document.write_bytes(b"%PDF-1.4 plan")
    for field in ("syllabus", "teaching_plan", "assessment_plan"):
        clerk.set_input_files(f"#id_{field}", str(document))
    clerk.fill("input[name='textbooks-0-title']", "中式烹调师(初级)")
    clerk.fill("input[name='textbooks-0-publisher']", "中国劳动社会保障出版社")
    clerk.fill("input[name='textbooks-0-isbn']", "9787516700006")
    shots(clerk, "institution-application")
    clerk.click("button:has-text('保存草稿')")
    clerk.click("button:has-text('提交审批')")
    training_class = TrainingClass.objects.get()
    assert training_class.status == "submitted"

    # 3. HR approves it in the admin.
    reviewer = login(browser, live_server, "reviewer")
    admin_action(reviewer, live_server, "courses/trainingclass", training_class.pk, "approve_selected")
    shots(reviewer, "hr-approved")
    training_class.refresh_from_db()
    assert training_class.status == "approved"

    # 4. The clerk enrols trainees, schedules and starts, records every session, completes.
    class_url = f"{live_server.url}/institution/classes/{training_class.pk}/"
    clerk.goto(class_url)
    for person in [trainee, *others]:
        clerk.fill("#id_id_number", person.id_number)
        clerk.click("button:has-text('加入名册')")
    assert training_class.enrolments.count() == 3
    # R20: attendance is marked while the class happens: the last two days of the class,
    # yesterday and today (whole-day sessions, yesterday's open until the end of today).
    for day in (8, 9):
        clerk.fill("#id_held_on", (start + datetime.timedelta(days=day)).isoformat())
        clerk.fill("#id_hours", "8")
        clerk.select_option("#id_kind", "practical")
        clerk.click("button:has-text('添加课次')")
    clerk.click("button:has-text('开班')")
    for session in training_class.sessions.order_by("held_on"):
        clerk.goto(f"{live_server.url}/institution/sessions/{session.pk}/attendance/")
        for label in clerk.locator("label:has-text('到')").all():
            label.click()
        clerk.click("button:has-text('保存考勤')")
    shots(clerk, "institution-attendance")
    assert AttendanceRecord.objects.filter(session__training_class=training_class, is_present=True).count() == 6
    clerk.goto(class_url)
    clerk.click("button:has-text('办理结业')")
    shots(clerk, "institution-completion")
    training_class.refresh_from_db()
    assert training_class.status == "completed"
    shots(clerk, "institution-completed")

    # 5. The clerk enters results; HR issues the certificates.
    clerk.goto(f"{class_url}results/")
    for select in clerk.locator("select[name^='result-']").all():
        select.select_option("passed")
    clerk.click("button:has-text('保存')")
    reviewer.goto(f"{class_url}results/")
    for i, field in enumerate(reviewer.locator("input[name^='number-']").all()):
        field.fill(f"CZ{today:%Y}{i:04d}")
    for field in reviewer.locator("input[name^='issued-']").all():
        field.fill(today.isoformat())
    reviewer.click("button:has-text('保存')")
    shots(reviewer, "hr-certificates")
    assert training_class.enrolments.filter(certificates__isnull=False).count() == 3

    # 6. The clerk generates and submits the claim; two HR officers review and approve it.
    clerk.goto(f"{class_url}claims/")
    clerk.click("button:has-text('生成申领草稿')")
    clerk.click("button:has-text('提交县人社局审核')")
    claim = SubsidyClaim.objects.get()
    assert claim.status == "submitted" and claim.total_amount == 720  # 2 days x 150 x 80 % x 3
    admin_action(reviewer, live_server, "subsidies/subsidyclaim", claim.pk, "review_selected")
    approver = login(browser, live_server, "approver")
    admin_action(approver, live_server, "subsidies/subsidyclaim", claim.pk, "approve_selected")
    admin_action(reviewer, live_server, "subsidies/subsidyclaim", claim.pk, "publicise_selected")
    claim.refresh_from_db()
    assert claim.status == "publicised"

    # 7. The public page shows it on notice, masked, on a phone and on a desktop.
    for viewport, name in ((PHONE, "public-phone"), (DESKTOP, "public-desktop")):
        public = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        public.goto(f"{live_server.url}/public/")
        content = public.content()
        assert "公示期" in content and "王*英" in content and number not in content and "13812345678" not in content
        shots(public, name)
