"""HR's decisions in the admin: every state-changing action asks first on a page listing what will
change, the class and claim pages carry the decisions their status allows, and a decision sent
without the acknowledgement a rule requires comes back with what was typed kept."""

import datetime
import logging
from decimal import Decimal

import pytest
from axes.apps import AppConfig as AxesConfig
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from courses import services as courses
from courses.models import ClassTransition, TrainingClass
from subsidies import services as subsidies
from subsidies.models import SubsidyClaim
from tests import factories
from tests.scenarios import completed_class
from tests.test_admin import populate
from tests.test_scope_matrix import fingerprint

pytestmark = pytest.mark.django_db

def claims_url():
    return reverse("admin:subsidies_subsidyclaim_changelist")


def classes_url():
    return reverse("admin:courses_trainingclass_changelist")


def claim_in(status, *, rate=Decimal("0.9500"), **kwargs):
    """A first-instalment claim of one trainee (1,200.00 yuan) in `status`, its class's attendance
    `rate`: generated from a real completed class, so every step's re-check finds its line payable."""
    training_class = completed_class(trainees=1)
    TrainingClass.objects.filter(pk=training_class.pk).update(attendance_rate=rate)
    claim, _ = subsidies.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                        today=training_class.end_on + datetime.timedelta(days=10))
    SubsidyClaim.objects.filter(pk=claim.pk).update(status=status, **kwargs)
    claim.refresh_from_db()
    return claim


def submitted_class(**kwargs):
    training_class = factories.class_application(**kwargs)
    courses.submit_class_application(training_class, by=factories.UserFactory(), acknowledge_warnings=True)
    training_class.refresh_from_db()
    return training_class


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def buttons(response):
    """The change page's decisions: label -> the link, or the reasons it cannot be taken now."""
    return {b["label"]: b["url"] or b["reasons"] for b in response.context["decision_buttons"]}


# --- Confirmation before any change ------------------------------------------------------------

def test_review_from_the_list_asks_first_and_changes_nothing_until_confirmed(hr_client, hr):
    """初审 chosen in the list shows the claim, its status change and amount; only the confirm
    button reviews it, recording who."""
    claim = claim_in("submitted")
    before = fingerprint()
    page = hr_client.post(claims_url(), {"action": "review_selected", ACTION_CHECKBOX_NAME: [claim.pk]})
    assert page.status_code == 200
    assert [t.name for t in page.templates][0] == "admin/service_action.html"
    content = page.content.decode()
    assert "已提交 → <strong>已初审</strong>" in content and "1,200.00元,1人" in content
    assert 'value="确认初审通过"' in content
    assert f'href="{claims_url()}"' in content  # cancelling goes back to the list
    assert fingerprint() == before

    response = hr_client.post(claims_url(), {"action": "review_selected", ACTION_CHECKBOX_NAME: [claim.pk],
                                             "confirm": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by) == ("reviewed", hr)
    assert claim.reviewed_at is not None


def test_every_state_changing_action_asks_first(hr_client):
    """Each action of every admin list, chosen with a row selected, answers with a confirmation
    page and writes nothing (deleting keeps Django's own confirmation; exporting changes nothing)."""
    populate(1)
    request = hr_client.get(reverse("admin:index")).wsgi_request
    asked = []
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for name in model_admin.get_actions(request):
            if name in ("delete_selected", "export_selected_xlsx"):
                continue
            before = fingerprint()
            page = hr_client.post(url, {"action": name, ACTION_CHECKBOX_NAME: [obj.pk]})
            assert page.status_code == 200, (model, name)
            assert "admin/service_action.html" in [t.name for t in page.templates], (model, name)
            assert fingerprint() == before, (model, name)
            asked.append(f"{model._meta.label}.{name}")
    assert {"subsidies.SubsidyClaim.review_selected", "subsidies.SubsidyClaim.payable_selected",
            "courses.TrainingClass.approve_selected", "certification.EmploymentRecord.verify_selected",
            "courses.Voucher.cancel_selected", "institutions.Flag.resolve_selected"} <= set(asked)
    assert len(asked) >= 17


def test_a_selection_with_a_row_that_cannot_be_decided_offers_no_confirm_button(hr_client):
    """All or nothing: a draft among the selected claims is named with the reason, and the page
    has only the way back."""
    ready, draft = claim_in("submitted"), claim_in("draft")
    page = hr_client.post(claims_url(), {"action": "review_selected", ACTION_CHECKBOX_NAME: [ready.pk, draft.pk]})
    content = page.content.decode()
    assert "不能办理:补贴申领当前状态为「草稿」" in content
    assert 'value="确认初审通过"' not in content and "取消,不办理" in content


# --- Decision buttons on the change pages ------------------------------------------------------

@pytest.mark.parametrize("status, expected", [
    ("draft", set()),
    ("submitted", {"初审通过", "退回机构修改", "不予拨付"}),
    ("reviewed", {"审批通过", "退回机构修改", "不予拨付"}),
    ("approved", {"开始公示", "不予拨付"}),
    ("payable", {"登记已拨付", "不予拨付"}),
    ("paid", set()),
    ("rejected", set()),
])
def test_the_claim_page_carries_the_decisions_its_status_allows(hr_client, status, expected):
    claim = claim_in(status, reviewed_by=factories.UserFactory() if status == "reviewed" else None)
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    assert page.status_code == 200
    found = buttons(page)
    assert set(found) == expected
    for label, target in found.items():
        assert isinstance(target, str) and f'href="{target}"' in page.content.decode(), label


def test_the_reviewer_sees_why_they_cannot_approve_instead_of_a_button(hr_client, hr):
    claim = claim_in("reviewed", reviewed_by=hr)
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    reasons = buttons(page)["审批通过"]
    assert any("四眼原则" in reason for reason in reasons)
    assert reverse("admin:subsidies_subsidyclaim_approve", args=[claim.pk]) not in page.content.decode()
    assert "暂不能办理" in page.content.decode()


def test_a_notice_still_running_is_shown_instead_of_the_payable_button(hr_client, monkeypatch):
    claim = claim_in("publicised", publicity_starts_on=datetime.date(2018, 9, 3),
                     publicity_ends_on=datetime.date(2018, 9, 7))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2018, 9, 5))
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    assert any("公示期满后才能拨付" in reason for reason in buttons(page)["转为待拨付"])
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2018, 9, 10))
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    assert buttons(page)["转为待拨付"] == reverse("admin:subsidies_subsidyclaim_payable", args=[claim.pk])


@pytest.mark.parametrize("status, expected", [
    ("draft", set()), ("submitted", {"批准开班", "退回修改", "不予批准"}), ("approved", set()), ("returned", set()),
])
def test_the_class_page_carries_the_decisions_its_status_allows(hr_client, status, expected):
    training_class = submitted_class() if status == "submitted" else factories.class_application(status=status)
    page = hr_client.get(reverse("admin:courses_trainingclass_change", args=[training_class.pk]))
    assert page.status_code == 200
    assert set(buttons(page)) == expected


def test_a_class_breaking_a_rule_shows_the_rule_instead_of_the_approve_button(hr_client):
    training_class = submitted_class()
    training_class.institution.years.update(is_listed=False)
    page = hr_client.get(reverse("admin:courses_trainingclass_change", args=[training_class.pk]))
    found = buttons(page)
    assert isinstance(found["批准开班"], list) and found["批准开班"]
    assert isinstance(found["退回修改"], str)  # returning it is still possible


def test_a_button_leads_to_the_same_confirmation_for_that_one_claim(hr_client, hr):
    claim, other = claim_in("submitted"), claim_in("submitted")
    change_url = reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk])
    url = reverse("admin:subsidies_subsidyclaim_review", args=[claim.pk])
    before = fingerprint()
    page = hr_client.get(url)
    assert page.status_code == 200 and fingerprint() == before
    assert [change.obj.pk for change in page.context["changes"]] == [claim.pk]
    assert f'href="{change_url}"' in page.content.decode()  # cancelling goes back to the claim
    # Ids posted beside the URL's own object are ignored: only the claim named in the URL is decided.
    response = hr_client.post(url, {"confirm": "1", ACTION_CHECKBOX_NAME: [claim.pk, other.pk]})
    assert response.status_code == 302 and response["Location"] == change_url
    claim.refresh_from_db(), other.refresh_from_db()
    assert (claim.status, claim.reviewed_by, other.status) == ("reviewed", hr, "submitted")


def test_a_decision_the_status_does_not_allow_goes_back_with_the_reason(hr_client):
    claim = claim_in("draft")
    before = fingerprint()
    response = hr_client.post(reverse("admin:subsidies_subsidyclaim_review", args=[claim.pk]), {"confirm": "1"},
                              follow=True)
    assert "当前状态为「草稿」,不能办理「初审通过」" in response.content.decode()
    assert fingerprint() == before


def test_an_unknown_id_is_404_and_other_roles_are_sent_to_sign_in(hr_client):
    claim = claim_in("submitted")
    training_class = submitted_class()
    assert hr_client.get(reverse("admin:subsidies_subsidyclaim_review", args=[999999])).status_code == 404
    assert hr_client.post(reverse("admin:courses_trainingclass_approve", args=[999999]),
                          {"confirm": "1"}).status_code == 404
    clerk = factories.institution_user(training_class.institution)
    clerk.is_staff = True
    clerk.save()
    clerk_client = logged_in(clerk)
    before = fingerprint()
    for url in (reverse("admin:subsidies_subsidyclaim_review", args=[claim.pk]),
                reverse("admin:courses_trainingclass_approve", args=[training_class.pk])):
        response = clerk_client.post(url, {"confirm": "1", "note": "同意"})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert fingerprint() == before


def test_confirming_needs_the_csrf_token(hr):
    claim = claim_in("submitted")
    client = Client(enforce_csrf_checks=True)
    client.force_login(hr)
    response = client.post(reverse("admin:subsidies_subsidyclaim_review", args=[claim.pk]), {"confirm": "1"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "submitted"


# --- Required notes and acknowledgements ---------------------------------------------------------

def test_approving_a_class_with_a_warning_needs_the_tick_and_keeps_the_note(hr_client, hr):
    """R4: 54 of 80 hours practical (67.5 %) is allowed with a warning; the approval without the
    tick comes back (400) with the note as typed and the tick marked, and nothing changes."""
    training_class = submitted_class(practical_hours=54)
    url = reverse("admin:courses_trainingclass_approve", args=[training_class.pk])
    page = hr_client.get(url)
    assert "提示:" in page.content.decode() and "实操" in page.content.decode()
    transitions = ClassTransition.objects.count()

    response = hr_client.post(url, {"confirm": "1", "note": "同意开班,请加强实操"})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"acknowledge_warnings"}
    content = response.content.decode()
    assert "同意开班,请加强实操</textarea>" in content
    assert "请阅读提示并勾选" in content and "field-acknowledge_warnings errors" in content
    training_class.refresh_from_db()
    assert training_class.status == "submitted" and ClassTransition.objects.count() == transitions

    response = hr_client.post(url, {"confirm": "1", "note": "同意开班,请加强实操", "acknowledge_warnings": "on"})
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decided_by, training_class.decision_note) == (
        "approved", hr, "同意开班,请加强实操")
    assert "实操" in training_class.transitions.get(to_status="approved").acknowledged_warnings


def test_a_class_without_warnings_is_approved_without_a_tick(hr_client, hr):
    training_class = submitted_class()
    page = hr_client.get(reverse("admin:courses_trainingclass_approve", args=[training_class.pk]))
    assert "acknowledge_warnings" not in page.context["form"].fields
    response = hr_client.post(reverse("admin:courses_trainingclass_approve", args=[training_class.pk]),
                              {"confirm": "1"})
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decided_by) == ("approved", hr)


def test_returning_a_class_without_a_reason_comes_back_marked(hr_client):
    training_class = submitted_class()
    url = reverse("admin:courses_trainingclass_return", args=[training_class.pk])
    response = hr_client.post(url, {"confirm": "1", "note": "  "})
    assert response.status_code == 400 and set(response.context["form"].errors) == {"note"}
    training_class.refresh_from_db()
    assert training_class.status == "submitted"
    hr_client.post(url, {"confirm": "1", "note": "教材不是正规出版物"})
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decision_note) == ("returned", "教材不是正规出版物")


def test_approving_a_claim_below_the_attendance_threshold_needs_the_supervision_decision(hr_client, hr):
    """R3: the class attended 80 %; the approval asks for the class's own inspection, the note and
    the tick. Without the inspection and the tick it comes back with the note kept; another class's
    inspection is refused; with all three it is approved and the decision stored on the claim."""
    claim = claim_in("reviewed", rate=Decimal("0.8000"), reviewed_by=factories.UserFactory())
    inspection = factories.InspectionFactory(institution=claim.institution, training_class=claim.training_class)
    elsewhere = factories.InspectionFactory(training_class=factories.TrainingClassFactory())
    url = reverse("admin:subsidies_subsidyclaim_approve", args=[claim.pk])
    page = hr_client.get(url)
    assert "80.0%" in page.content.decode()
    assert list(page.context["form"].fields["supervision_inspection"].queryset) == [inspection]

    response = hr_client.post(url, {"confirm": "1", "supervision_note": "已约谈机构负责人,扣减相应课时"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"supervision_inspection", "acknowledge_low_attendance"}
    assert "已约谈机构负责人,扣减相应课时</textarea>" in response.content.decode()
    response = hr_client.post(url, {"confirm": "1", "supervision_note": "已约谈", "supervision_inspection": elsewhere.pk,
                                    "acknowledge_low_attendance": "on"})
    assert response.status_code == 400 and "supervision_inspection" in response.context["form"].errors
    claim.refresh_from_db()
    assert claim.status == "reviewed" and claim.supervision_inspection is None

    response = hr_client.post(url, {"confirm": "1", "supervision_note": "已约谈机构负责人",
                                    "supervision_inspection": inspection.pk, "acknowledge_low_attendance": "on"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by, claim.supervision_inspection, claim.supervision_note) == (
        "approved", hr, inspection, "已约谈机构负责人")


def test_a_low_attendance_claim_without_any_inspection_shows_why(hr_client):
    claim = claim_in("reviewed", rate=Decimal("0.8000"), reviewed_by=factories.UserFactory())
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk]))
    assert any("督导检查" in reason for reason in buttons(page)["审批通过"])


def test_low_attendance_claims_are_not_approved_in_bulk(hr_client):
    """One supervision decision cannot serve two classes: each is approved from its own page."""
    low = claim_in("reviewed", rate=Decimal("0.8000"), reviewed_by=factories.UserFactory())
    factories.InspectionFactory(training_class=low.training_class)
    fine = claim_in("reviewed", reviewed_by=factories.UserFactory())
    page = hr_client.post(claims_url(), {"action": "approve_selected", ACTION_CHECKBOX_NAME: [low.pk, fine.pk]})
    assert "须逐一审批" in page.content.decode() and 'value="确认审批通过"' not in page.content.decode()


def test_a_claim_approved_from_the_list_records_the_approver(hr_client, hr):
    claim = claim_in("reviewed", reviewed_by=factories.UserFactory())
    hr_client.post(claims_url(), {"action": "approve_selected", ACTION_CHECKBOX_NAME: [claim.pk], "confirm": "1"})
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by) == ("approved", hr)
    assert SubsidyClaim.history.filter(id=claim.pk, status="approved").exists()


# --- The lockout library's log ------------------------------------------------------------------

def test_signing_in_adds_no_lockout_library_info_lines(client, caplog):
    """django-axes keeps its warnings; its start-up banner and per-sign-in INFO lines stay out
    of the server log (the security log records each sign-in once)."""
    caplog.set_level(logging.INFO)
    factories.township_user(factories.TownshipFactory(), username="quiet_login")
    response = client.post(reverse("login"), {"username": "quiet_login", "password": "Test-password-2018"})
    assert response.status_code == 302
    AxesConfig.initialized = False
    try:
        AxesConfig.initialize()
    finally:
        AxesConfig.initialized = True
    axes_lines = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert axes_lines == []
    assert any(r.name == "skills_program.security" and r.getMessage().startswith("login succeeded")
               for r in caplog.records)
    assert logging.getLogger("axes.handlers.database").isEnabledFor(logging.WARNING)
