"""R15 《实施方案》四(四) through the services: the enterprise is classified from the figures
recorded with their evidence when the subsidy is recorded and again at approval and payment;
the second 300 yuan needs a new certificate or one exactly one level up."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from subsidies import services
from subsidies.models import SmallEnterpriseSubsidy
from tests import factories
from tests.subsidies.conftest import code_of

pytestmark = pytest.mark.django_db

CONTRACT_ON = date(2018, 6, 1)
NO_FIGURES = {"industry": "", "employees": None, "revenue_10k": None, "assets_10k": None, "figures_year": None,
              "size_evidence": ""}


def evidence():
    return ContentFile(b"%PDF-1.4 2017 annual report", name="2017年度财务报表.pdf")


@pytest.fixture
def hire(db):
    return factories.TraineeFactory()


def subsidy_for(hire, policy_year, *, credit_code=None, with_evidence=True, **fields):
    """A draft (unsaved) for a small factory (工业, 45 employees, 800万 revenue in 2017)."""
    values = {"hire": hire, "policy_year": policy_year, "contract_starts_on": CONTRACT_ON, "contract_months": 12,
              "stage": "hire", "amount": Decimal(0), "industry": "manufacturing", "employees": 45,
              "revenue_10k": Decimal("800"), "figures_year": 2017, **fields}
    if credit_code:
        values["enterprise_credit_code"] = credit_code
    subsidy = factories.SmallEnterpriseSubsidyFactory.build(**values)
    subsidy.size_evidence = evidence() if with_evidence else ""
    return subsidy


def paid_through(subsidy, reviewer, approver):
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="review")
    services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")
    return services.decide_small_enterprise_subsidy(subsidy, by=approver, step="pay", payment_reference="小微〔2018〕1号")


# Recording: the size class is computed and stored ---------------------------------------------

def test_a_small_enterprise_is_recorded_with_its_size_and_evidence(policy_year, hire, reviewer):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    subsidy.refresh_from_db()
    assert subsidy.enterprise_size == "small" and subsidy.amount == Decimal("300.00")
    assert subsidy.size_evidence.name.startswith("enterprise_size/") and subsidy.size_evidence.name.endswith(".pdf")
    assert subsidy.history.latest().enterprise_size == "small"


def test_a_micro_enterprise_with_only_its_decisive_figure_is_recorded(policy_year, hire, reviewer):
    subsidy = subsidy_for(hire, policy_year, industry="catering", employees=8, revenue_10k=None)
    services.record_small_enterprise_subsidy(subsidy, by=reviewer)
    assert SmallEnterpriseSubsidy.objects.get().enterprise_size == "micro"


@pytest.mark.parametrize(("fields", "code"), [
    ({"industry": ""}, "enterprise_industry_missing"),
    ({"employees": None, "revenue_10k": None}, "size_figures_missing"),
    ({"revenue_10k": None}, "size_figures_missing"),
    ({"figures_year": None}, "size_figures_year"),
    ({"figures_year": 2015}, "size_figures_year"),
    ({"employees": 350, "revenue_10k": Decimal("3000")}, "enterprise_not_small_or_micro"),
    ({"employees": 1200, "revenue_10k": Decimal("50000")}, "enterprise_not_small_or_micro"),
])
def test_recording_refuses_what_cannot_be_classified_small_or_micro(policy_year, hire, reviewer, fields, code):
    subsidy = subsidy_for(hire, policy_year, **fields)
    assert code_of(lambda: services.record_small_enterprise_subsidy(subsidy, by=reviewer)) == code
    assert not SmallEnterpriseSubsidy.objects.exists()


def test_recording_refuses_figures_without_evidence(policy_year, hire, reviewer):
    subsidy = subsidy_for(hire, policy_year, with_evidence=False)
    assert code_of(lambda: services.record_small_enterprise_subsidy(subsidy, by=reviewer)) == "size_evidence_missing"
    assert not SmallEnterpriseSubsidy.objects.exists()


def test_the_contract_rules_come_first(policy_year, hire, reviewer):
    subsidy = subsidy_for(hire, policy_year, contract_months=5, industry="")
    assert code_of(lambda: services.record_small_enterprise_subsidy(subsidy, by=reviewer)) == "contract_too_short"


def test_changing_a_draft_reclassifies_it(policy_year, hire, reviewer):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    subsidy.employees = 12
    services.record_small_enterprise_subsidy(subsidy, by=reviewer)
    subsidy.refresh_from_db()
    assert subsidy.enterprise_size == "micro"


# The database refuses what the code might forget ------------------------------------------------

@pytest.mark.parametrize(("fields", "name"), [
    ({"industry": "mining"}, "industry_valid"),
    ({"revenue_10k": Decimal("-1")}, "figures_not_negative"),
    ({"assets_10k": Decimal("-0.01")}, "figures_not_negative"),
    ({"enterprise_size": "medium"}, "size_small_or_micro"),
    ({"enterprise_size": "large"}, "size_small_or_micro"),
    ({"enterprise_size": "small", "industry": ""}, "size_small_or_micro"),
])
def test_the_database_refuses_invalid_industries_negative_figures_and_medium_sizes(policy_year, hire, fields, name):
    subsidy = factories.SmallEnterpriseSubsidyFactory(hire=hire, policy_year=policy_year)
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).update(**fields)


# Approval and payment check again ---------------------------------------------------------------

def test_the_whole_way_to_payment(policy_year, hire, reviewer, approver):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    subsidy = paid_through(subsidy, reviewer, approver)
    assert subsidy.status == "paid" and subsidy.enterprise_size == "small"


@pytest.mark.parametrize("step", ["approve", "pay"])
def test_figures_changed_after_recording_are_refused_at_approval_and_payment(policy_year, hire, reviewer,
                                                                             approver, step):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="review")
    if step == "pay":
        services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")
    status = SmallEnterpriseSubsidy.objects.get().status
    # A correction made outside the form (an import, a data fix): the enterprise is medium.
    SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).update(employees=400, revenue_10k=Decimal("2500"))
    call = lambda: services.decide_small_enterprise_subsidy(  # noqa: E731
        subsidy, by=approver, step=step, payment_reference="小微〔2018〕2号")
    assert code_of(call) == "enterprise_not_small_or_micro"
    assert SmallEnterpriseSubsidy.objects.get().status == status


def test_evidence_removed_after_recording_is_refused_at_approval(policy_year, hire, reviewer, approver):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="review")
    SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).update(size_evidence="")
    assert code_of(lambda: services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")) == (
        "size_evidence_missing")


def test_approval_stores_the_size_the_current_figures_give(policy_year, hire, reviewer, approver):
    subsidy = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="review")
    SmallEnterpriseSubsidy.objects.filter(pk=subsidy.pk).update(employees=12)
    services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")
    assert SmallEnterpriseSubsidy.objects.get().enterprise_size == "micro"


def test_a_refused_subsidy_is_returned_corrected_and_approved(policy_year, hire, reviewer, approver):
    """A subsidy recorded before the figures were required (no figures) cannot be approved; HR
    returns it to draft with a reason, records the figures and evidence, and it goes through."""
    subsidy = factories.SmallEnterpriseSubsidyFactory(hire=hire, policy_year=policy_year, status="reviewed",
                                                      reviewed_by=reviewer, **NO_FIGURES)
    assert code_of(lambda: services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")) == (
        "enterprise_industry_missing")
    assert code_of(lambda: services.decide_small_enterprise_subsidy(subsidy, by=approver, step="return")) == (
        "illegal_transition")  # a reason is required
    services.decide_small_enterprise_subsidy(subsidy, by=approver, step="return", reason="请补录划型数据")
    subsidy.refresh_from_db()
    assert (subsidy.status, subsidy.reviewed_by, subsidy.return_reason) == ("draft", None, "请补录划型数据")
    subsidy.industry, subsidy.employees, subsidy.revenue_10k, subsidy.figures_year = "retail", 6, None, 2017
    subsidy.size_evidence = evidence()
    services.record_small_enterprise_subsidy(subsidy, by=reviewer)
    assert paid_through(subsidy, reviewer, approver).enterprise_size == "micro"


def test_a_paid_subsidy_cannot_be_returned(policy_year, hire, reviewer, approver):
    subsidy = paid_through(services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer),
                           reviewer, approver)
    assert code_of(lambda: services.decide_small_enterprise_subsidy(subsidy, by=approver, step="return",
                                                                    reason="x")) == "illegal_transition"


# The second 300 yuan: new certificate or one level up -------------------------------------------

@pytest.fixture
def welding(policy_year):
    """The same occupation in the 2017 and 2018 catalogues (same national code)."""
    earlier = factories.OccupationFactory(policy_year=factories.PolicyYearFactory(year=2017), name="电焊工",
                                          code="6-18-02-04")
    return earlier, factories.OccupationFactory(policy_year=policy_year, name="焊工", code="6-18-02-04")


def certificate(hire, occupation, level, issued_on):
    return factories.CertificateFactory(enrolment=None, trainee=hire, occupation=occupation, kind="skill_level",
                                        level=level, evaluation_body=factories.EvaluationBodyFactory(),
                                        issued_on=issued_on)


def upgrade_for(hire, policy_year, reviewer, new_certificate):
    hire_stage = services.record_small_enterprise_subsidy(subsidy_for(hire, policy_year), by=reviewer)
    return subsidy_for(hire, policy_year, credit_code=hire_stage.enterprise_credit_code, stage="upgrade",
                       certificate=new_certificate)


@pytest.mark.parametrize(("held", "new", "code"), [
    ([], "5", None),  # new: no certificate in the occupation before the contract
    ([], "3", None),
    (["5"], "4", None),  # one level up
    (["5", "4"], "3", None),  # one above the highest held
    (["4"], "4", "certificate_same_level"),
    (["3"], "4", "certificate_lower_level"),
    (["5"], "3", "certificate_level_skipped"),  # two levels up: the plan pays 提升一个技能等级
])
def test_the_upgrade_certificate_is_new_or_one_level_up(policy_year, hire, reviewer, welding, held, new, code):
    earlier, this_year = welding
    for number, level in enumerate(held):
        certificate(hire, earlier, level, date(2016 + number, 3, 1))
    upgrade = upgrade_for(hire, policy_year, reviewer, certificate(hire, this_year, new, date(2019, 3, 1)))
    if code is None:
        services.record_small_enterprise_subsidy(upgrade, by=reviewer)
        assert upgrade.amount == Decimal("300.00") and upgrade.enterprise_size == "small"
    else:
        assert code_of(lambda: services.record_small_enterprise_subsidy(upgrade, by=reviewer)) == code


def test_only_certificates_held_before_the_contract_in_that_occupation_count(policy_year, hire, reviewer, welding):
    earlier, this_year = welding
    certificate(hire, factories.OccupationFactory(policy_year=policy_year, name="电工"), "3", date(2017, 1, 1))
    certificate(hire, this_year, "4", date(2018, 9, 1))  # after the contract start
    upgrade = upgrade_for(hire, policy_year, reviewer, certificate(hire, this_year, "4", date(2019, 3, 1)))
    # The 电工 level and the level taken after the contract began are not held before it: "4" is new.
    services.record_small_enterprise_subsidy(upgrade, by=reviewer)
    assert SmallEnterpriseSubsidy.objects.get(stage="upgrade").amount == Decimal("300.00")


def test_a_level_held_is_matched_by_name_when_there_is_no_code(policy_year, hire, reviewer):
    earlier = factories.OccupationFactory(policy_year=factories.PolicyYearFactory(year=2017), name="育婴员")
    this_year = factories.OccupationFactory(policy_year=policy_year, name="育婴员")
    certificate(hire, earlier, "4", date(2017, 5, 1))
    upgrade = upgrade_for(hire, policy_year, reviewer, certificate(hire, this_year, "4", date(2019, 3, 1)))
    assert code_of(lambda: services.record_small_enterprise_subsidy(upgrade, by=reviewer)) == "certificate_same_level"


def test_a_lower_certificate_recorded_later_is_refused_at_approval(policy_year, hire, reviewer, approver, welding):
    """The hire's earlier certificate was recorded after the upgrade subsidy: approval sees it."""
    earlier, this_year = welding
    upgrade = upgrade_for(hire, policy_year, reviewer, certificate(hire, this_year, "4", date(2019, 3, 1)))
    services.record_small_enterprise_subsidy(upgrade, by=reviewer)
    services.decide_small_enterprise_subsidy(upgrade, by=reviewer, step="submit")
    services.decide_small_enterprise_subsidy(upgrade, by=reviewer, step="review")
    certificate(hire, earlier, "4", date(2017, 5, 1))
    assert code_of(lambda: services.decide_small_enterprise_subsidy(upgrade, by=approver, step="approve")) == (
        "certificate_same_level")
