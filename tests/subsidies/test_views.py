"""A class's trainees from certificate to both instalments paid, through the portal and the
admin, by one clerk and two HR officers."""

import datetime
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import Certificate, EmploymentRecord
from subsidies import services
from subsidies.models import SubsidyClaim
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def on(monkeypatch, day):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)


def admin_action(client, model, action, pks, **data):
    return client.post(reverse(f"admin:subsidies_{model}_changelist"),
                       {"action": action, ACTION_CHECKBOX_NAME: pks, "confirm": "1", **data}, follow=True)


def pay(claim, reviewer, approver, monkeypatch, notice_from):
    admin_action(reviewer, "subsidyclaim", "review_selected", [claim.pk])
    admin_action(approver, "subsidyclaim", "approve_selected", [claim.pk])
    admin_action(reviewer, "subsidyclaim", "publicise_selected", [claim.pk], starts_on=notice_from.isoformat())
    claim.refresh_from_db()
    assert claim.status == "publicised", claim.status
    on(monkeypatch, claim.publicity_ends_on + datetime.timedelta(days=1))
    admin_action(reviewer, "subsidyclaim", "payable_selected", [claim.pk])
    admin_action(approver, "subsidyclaim", "paid_selected", [claim.pk], payment_reference=f"CZ-{claim.pk}")
    claim.refresh_from_db()
    assert claim.status == "paid", claim.status


def test_from_certificate_to_both_instalments_paid(monkeypatch, policy_year):
    policy_year.placement_reward_amount = Decimal("200.00")
    policy_year.save()
    training_class = completed_class(trainees=2, certified=False)
    clerk = logged_in(training_class.clerk)
    reviewer, approver = logged_in(factories.hr_user("reviewer")), logged_in(factories.hr_user("approver"))
    first, second = training_class.enrolments.order_by("pk")

    on(monkeypatch, END + datetime.timedelta(days=3))
    results = {f"result-{first.pk}": "passed", f"assessed-{first.pk}": END.isoformat(),
               f"result-{second.pk}": "passed", f"assessed-{second.pk}": END.isoformat()}
    certificates = {f"number-{first.pk}": "1814042100001", f"issued-{first.pk}": "2018/6/15",
                    f"number-{second.pk}": "1814042100002", f"issued-{second.pk}": "2018年6月15日"}
    response = clerk.post(reverse("certification:results", args=[training_class.pk]), {**results, **certificates})
    assert response.status_code == 302
    assert Certificate.objects.filter(enrolment__training_class=training_class).count() == 0  # the clerk can't
    response = reviewer.post(reverse("certification:results", args=[training_class.pk]), {**results, **certificates})
    assert response.status_code == 302
    assert Certificate.objects.filter(enrolment__training_class=training_class).count() == 2

    page = clerk.get(reverse("subsidies:class-claims", args=[training_class.pk])).content.decode()
    assert "可申领2人,合计2400.00元" in page
    response = clerk.post(reverse("subsidies:class-claims", args=[training_class.pk]), {"instalment": "first"})
    claim = SubsidyClaim.objects.get(instalment="first")
    clerk.post(reverse("subsidies:claim-submit", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == "submitted"

    # The same officer cannot review and approve: the approval is refused and nothing changes.
    admin_action(reviewer, "subsidyclaim", "review_selected", [claim.pk])
    refused = admin_action(reviewer, "subsidyclaim", "approve_selected", [claim.pk])
    assert "四眼原则" in refused.content.decode()
    claim.refresh_from_db()
    assert claim.status == "reviewed"
    admin_action(approver, "subsidyclaim", "approve_selected", [claim.pk])
    admin_action(reviewer, "subsidyclaim", "publicise_selected", [claim.pk], starts_on="2018-06-25")
    public = Client().get(reverse("public-home")).content.decode()
    first.trainee.refresh_from_db()
    assert first.trainee.id_number[:6] + "********" + first.trainee.id_number[-4:] in public
    assert first.trainee.id_number not in public and first.trainee.name not in public
    claim.refresh_from_db()
    on(monkeypatch, claim.publicity_ends_on + datetime.timedelta(days=1))
    admin_action(reviewer, "subsidyclaim", "payable_selected", [claim.pk])
    admin_action(approver, "subsidyclaim", "paid_selected", [claim.pk], payment_reference="CZ2018-0701")
    claim.refresh_from_db()
    assert (claim.status, claim.total_amount, claim.payment_reference) == ("paid", Decimal("2400.00"), "CZ2018-0701")

    on(monkeypatch, date(2018, 7, 20))
    clerk.post(reverse("certification:employment", args=[training_class.pk]), {
        "enrolment": first.pk, "employer_name": "长治县某机械公司", "started_on": "2018-07-02",
        "employer_credit_code": factories.credit_code(7), "contract_months": "12", "evidence_kind": "contract"})
    record = EmploymentRecord.objects.get()
    reviewer.post(reverse("admin:certification_employmentrecord_changelist"),
                  {"action": "verify_selected", ACTION_CHECKBOX_NAME: [record.pk], "confirm": "1"})
    record.refresh_from_db()
    assert record.verified_at is not None

    on(monkeypatch, date(2018, 9, 14))
    clerk.post(reverse("subsidies:class-claims", args=[training_class.pk]), {"instalment": "second"})
    second_claim = SubsidyClaim.objects.get(instalment="second")
    assert second_claim.total_amount == Decimal("500.00")
    clerk.post(reverse("subsidies:claim-submit", args=[second_claim.pk]))
    pay(second_claim, reviewer, approver, monkeypatch, date(2018, 9, 17))

    printed = clerk.get(reverse("subsidies:claim-print", args=[second_claim.pk])).content.decode()
    assert "伍佰元整" in printed and "300.00" in printed and "200.00" in printed


def test_claim_export_is_masked_and_formula_safe(monkeypatch):
    training_class = completed_class(trainees=1)

    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                       today=END + datetime.timedelta(days=10))
    trainee = claim.lines.get().enrolment.trainee
    trainee.name = "=HYPERLINK(\"http://x\")"
    trainee.save()
    response = logged_in(training_class.clerk).get(reverse("subsidies:claim-export", args=[claim.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    row = [cell.value for cell in sheet[3]]
    assert row[1].startswith("'=") and row[2] == trainee.masked_id_number and row[5] == 1200
    assert sheet.cell(row=3, column=6).number_format == "#,##0.00"


def test_another_institutions_claim_is_404(client):
    training_class = completed_class(trainees=1)

    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                       today=END + datetime.timedelta(days=10))
    client.force_login(factories.institution_user(factories.TrainingInstitutionFactory(), username="other-clerk"))
    for name in ("subsidies:claim-detail", "subsidies:claim-print", "subsidies:claim-export"):
        assert client.get(reverse(name, args=[claim.pk])).status_code == 404
    assert client.post(reverse("subsidies:claim-submit", args=[claim.pk])).status_code == 404
    assert client.get(reverse("subsidies:class-claims", args=[training_class.pk])).status_code == 404
    claim.refresh_from_db()
    assert claim.status == "draft"


def test_township_issues_a_voucher_from_the_trainee_page(client, policy_year, monkeypatch):
    policy_year.is_voucher_pilot_on = True
    policy_year.save()
    on(monkeypatch, date(2018, 5, 2))
    trainee = factories.TraineeFactory()
    client.force_login(factories.township_user(trainee.township))
    client.post(reverse("trainees:issue-voucher", args=[trainee.pk]))
    assert trainee.vouchers.get().code.startswith("QJ2018-")
    stranger = factories.TraineeFactory()
    assert client.post(reverse("trainees:issue-voucher", args=[stranger.pk])).status_code == 404


def test_admin_money_summary_and_performance_page(hr_client, policy_year):
    completed_class(trainees=1)
    page = hr_client.get(reverse("admin:subsidies_subsidyclaim_changelist")).content.decode()
    assert "按状态(元)" in page and "按月(元)" in page
    page = hr_client.get(reverse("admin:institutions_institutionyear_performance", args=[2018])).content.decode()
    assert "合格率" in page and "100.0%" in page


def test_the_public_notices_come_twenty_claims_a_page(client):
    year = factories.PolicyYearFactory(year=2018)
    for day in range(25):
        line = factories.ClaimLineFactory(claim__training_class__policy_year=year)
        SubsidyClaim.objects.filter(pk=line.claim_id).update(
            status="publicised", publicity_starts_on=datetime.date(2018, 7, 1),
            publicity_ends_on=datetime.date(2018, 7, 1) + datetime.timedelta(days=day))
    first = client.get(reverse("public-home"), {"year": 2018})
    assert len(first.context["notices"]) == 20 and "公示共25项" in first.content.decode()
    second = client.get(reverse("public-home"), {"year": 2018, "notices": 2})
    assert len(second.context["notices"]) == 5
    shown = {n["claim"].pk for n in first.context["notices"]} | {n["claim"].pk for n in second.context["notices"]}
    assert len(shown) == 25
