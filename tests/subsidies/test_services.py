"""Claims from generation to payment, public notice, vouchers and small/micro enterprises."""

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from certification import services as certification
from courses import services as courses
from courses import services as voucher_services
from programme.models import CalendarDay
from subsidies import services
from subsidies.models import ClaimLine, ClaimStatus, SubsidyClaim
from tests import factories
from tests.scenarios import START, completed_class
from tests.subsidies.conftest import code_of

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)
TODAY = END + datetime.timedelta(days=10)


def test_first_claim_pays_certified_trainees_and_lists_the_others():
    """Ten delivered days: 1,200 yuan each (80 % of 1,500); a trainee at 80 % attendance and one
    without a certificate are left out with the reason."""
    training_class = completed_class(trainees=4, absent_sessions={2: 4})
    uncertified = training_class.enrolments.order_by("pk")[3]
    uncertified.certificates.all().delete()
    claim, preview = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    lines = list(claim.lines.order_by("pk"))
    assert [line.amount for line in lines] == [Decimal("1200.00")] * 2
    assert (lines[0].total_subsidy_amount, lines[0].second_amount, lines[0].training_days) == (
        Decimal("1500.00"), Decimal("300.00"), 10)
    assert claim.total_amount == Decimal("2400.00") and claim.status == "draft"
    reasons = {decision.code: decision.reason for _, decision in preview.excluded}
    assert set(reasons) == {"attendance_below_threshold", "no_certificate"}
    assert "80.0%" in reasons["attendance_below_threshold"]


@pytest.mark.parametrize(("days", "first"), [(7, "840.00"), (12, "1360.00"), (15, "1600.00")])
def test_amounts_match_the_worked_examples(days, first):
    training_class = completed_class(trainees=1, days=days)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                       today=training_class.end_on + datetime.timedelta(days=10))
    assert claim.lines.get().amount == Decimal(first)


def test_generating_twice_never_claims_a_trainee_twice():
    training_class = completed_class(trainees=2)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    assert code_of(lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                                   today=TODAY)) == "draft_exists"
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    assert code_of(lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                                   today=TODAY)) == "nothing_to_claim"
    assert ClaimLine.objects.filter(instalment="first").count() == 2


def test_claims_older_than_12_months_after_the_certificate_are_refused():
    training_class = completed_class(trainees=1)
    late = training_class.end_on + datetime.timedelta(days=5 + 366)
    with pytest.raises(ValidationError) as error:
        services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=late)
    assert error.value.code == "nothing_to_claim"
    preview = services.preview_first_claim(training_class, today=late)
    assert [d.code for _, d in preview.excluded] == ["claim_too_late"]


def test_a_trainee_already_subsidised_for_the_occupation_is_left_out():
    """R16 at claim time: a trainee whose first instalment for this occupation and level was
    claimed on another class is not paid again (here the classes also share their dates, so the
    overlap is named first)."""
    first_class = completed_class(trainees=1)
    services.generate_claim(first_class, by=first_class.clerk, instalment="first", today=TODAY)
    trainee = first_class.enrolments.get().trainee
    second_class = completed_class(trainees=1, occupation=first_class.occupation)
    # the roster rule would refuse the enrolment; the claim rule is checked on its own
    second_class.enrolments.update(trainee=trainee)
    preview = services.preview_first_claim(second_class, today=TODAY)
    assert [d.code for _, d in preview.excluded] == ["trainee_in_overlapping_class"]
    assert "同一时间只能参加一个班" in preview.excluded[0][1].reason


def test_four_eyes_and_only_hr(reviewer, approver):
    training_class = completed_class(trainees=1)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    assert code_of(lambda: services.review_claim(claim, by=training_class.clerk)) == "not_hr"
    services.review_claim(claim, by=reviewer)
    assert code_of(lambda: services.approve_claim(claim, by=reviewer)) == "four_eyes"
    assert code_of(lambda: services.approve_claim(claim, by=training_class.clerk)) == "not_hr"
    services.approve_claim(claim, by=approver)
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by, claim.approved_by) == ("approved", reviewer, approver)


def test_approving_twice_is_refused(reviewer, approver):
    training_class = completed_class(trainees=1)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=reviewer)
    services.approve_claim(claim, by=approver)
    assert code_of(lambda: services.approve_claim(claim, by=approver)) == "illegal_transition"


def test_a_low_attendance_class_needs_a_supervision_decision(reviewer, approver):
    """Class attendance below 85 % (one of two trainees absent a lot): approval waits for an
    inspection of the class and the supervision decision."""
    training_class = completed_class(trainees=2, absent_sessions={1: 8})
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=reviewer)
    assert code_of(lambda: services.approve_claim(claim, by=approver)) == "low_attendance_needs_supervision"
    inspection = factories.InspectionFactory(institution=training_class.institution, training_class=training_class,
                                             inspector=reviewer)
    services.approve_claim(claim, by=approver, supervision_inspection=inspection,
                           supervision_note="经视频调阅核实缺勤学员未纳入申领,同意拨付。")
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.supervision_inspection == inspection


def approved_claim(reviewer, approver, trainees=2):
    training_class = completed_class(trainees=trainees)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=reviewer)
    services.approve_claim(claim, by=approver)
    claim.refresh_from_db()
    claim.training_class = training_class  # keeps the scenario's clerk
    return claim


def test_public_notice_counts_official_working_days(reviewer, approver):
    """Starting on Friday 28 September 2018: the 调休 Saturday and Sunday count, the National Day
    week does not, so five working days end on 9 October."""
    claim = approved_claim(reviewer, approver)
    services.publicise_claim(claim, by=reviewer, starts_on=date(2018, 9, 28), today=date(2018, 9, 28))
    claim.refresh_from_db()
    assert (claim.publicity_starts_on, claim.publicity_ends_on) == (date(2018, 9, 28), date(2018, 10, 9))


def test_hr_adds_a_working_day_the_calendar_lacks(reviewer, approver):
    CalendarDay.objects.create(day=date(2018, 10, 1), is_workday=True, note="测试:补班")
    claim = approved_claim(reviewer, approver)
    services.publicise_claim(claim, by=reviewer, starts_on=date(2018, 9, 28), today=date(2018, 9, 28))
    claim.refresh_from_db()
    assert claim.publicity_ends_on == date(2018, 10, 8)


def test_an_upheld_objection_removes_the_line_before_payment(reviewer, approver):
    claim = approved_claim(reviewer, approver)
    services.publicise_claim(claim, by=reviewer, starts_on=date(2018, 9, 3), today=date(2018, 9, 3))
    claim.refresh_from_db()
    line = claim.lines.order_by("pk").first()
    assert code_of(lambda: services.record_objection(line, by=reviewer, received_on=date(2018, 9, 20),
                                                     content="晚了")) == "objection_outside_window"
    objection = services.record_objection(line, by=reviewer, received_on=date(2018, 9, 5),
                                          content="该学员培训期间在外地务工,未参加培训。")
    assert code_of(lambda: services.mark_payable(claim, by=reviewer, today=date(2018, 9, 6))) == "publicity_not_over"
    assert code_of(lambda: services.mark_payable(claim, by=reviewer, today=date(2018, 9, 10))) == "objections_pending"
    services.decide_objection(objection, by=approver, upheld=True, note="经核查属实")
    line.refresh_from_db()
    claim.refresh_from_db()
    assert line.is_void and claim.total_amount == Decimal("1200.00")
    services.mark_payable(claim, by=reviewer, today=date(2018, 9, 10))
    services.mark_paid(claim, by=approver, payment_reference="CZ2018-0901")
    claim.refresh_from_db()
    assert (claim.status, claim.total_amount) == ("paid", Decimal("1200.00"))


def test_second_instalment_with_the_placement_reward(reviewer, approver):
    """20 % plus the year's job-placement reward for verified employment inside the window;
    employment after the window is left out."""
    claim = approved_claim(reviewer, approver, trainees=3)
    training_class = claim.training_class
    training_class.policy_year.placement_reward_amount = Decimal("200.00")
    training_class.policy_year.save()
    inside, late, unverified = training_class.enrolments.order_by("pk")
    window_end = date(2018, 9, 13)  # 13 June + 3 months
    for enrolment, started in ((inside, window_end), (late, window_end + datetime.timedelta(days=1)),
                               (unverified, date(2018, 7, 1))):
        record = certification.record_employment(enrolment, by=training_class.clerk, employer_name="长治县某公司",
                                                 started_on=started, evidence_kind="contract",
                                                 employer_credit_code=factories.credit_code(7), today=started)
        if enrolment != unverified:
            certification.verify_employment(record, by=reviewer)
    assert code_of(lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="second",
                                                   today=date(2018, 9, 1))) == "second_claim_not_due"
    second, preview = services.generate_claim(training_class, by=training_class.clerk, instalment="second",
                                              today=date(2018, 9, 14))
    line = second.lines.get()
    assert (line.enrolment, line.amount, line.placement_reward_amount) == (inside, Decimal("300.00"),
                                                                            Decimal("200.00"))
    assert second.total_amount == Decimal("500.00")
    assert {e.pk: d.code for e, d in preview.excluded} == {late.pk: "employment_outside_window",
                                                          unverified.pk: "employment_not_verified"}


def test_a_returned_claim_goes_back_to_draft_with_the_reason(reviewer):
    training_class = completed_class(trainees=1)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    assert code_of(lambda: services.return_claim(claim, by=reviewer, reason="")) == "reason_required"
    services.return_claim(claim, by=reviewer, reason="请补充学员签到表")
    claim.refresh_from_db()
    assert (claim.status, claim.return_reason) == ("draft", "请补充学员签到表")


def test_a_rejected_claims_trainees_cannot_be_claimed_again(reviewer):
    training_class = completed_class(trainees=1)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.reject_claim(claim, by=reviewer, reason="虚报培训人数")
    assert code_of(lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                                   today=TODAY)) == "nothing_to_claim"


def test_close_class_when_every_claim_is_settled(reviewer, approver):
    claim = approved_claim(reviewer, approver, trainees=1)
    training_class = claim.training_class
    assert code_of(lambda: services.close_class(training_class, by=reviewer, today=date(2018, 12, 1))) == (
        "claims_open")
    services.publicise_claim(claim, by=reviewer, starts_on=date(2018, 9, 3), today=date(2018, 9, 3))
    services.mark_payable(claim, by=reviewer, today=date(2018, 9, 10))
    services.mark_paid(claim, by=approver, payment_reference="CZ-1")
    assert code_of(lambda: services.close_class(training_class, by=reviewer, today=date(2018, 9, 10))) == (
        "window_open")
    services.close_class(training_class, by=reviewer, today=date(2018, 12, 1))
    training_class.refresh_from_db()
    assert training_class.status == "closed"


# Vouchers ---------------------------------------------------------------------------------

def test_township_issues_an_unguessable_voucher_and_the_claim_line_records_it(policy_year):
    policy_year.is_voucher_pilot_on = True
    policy_year.save()
    township = factories.TownshipFactory()
    official = factories.township_user(township)
    trainee = factories.TraineeFactory(township=township)
    voucher = voucher_services.issue_voucher(trainee, by=official, policy_year=policy_year, today=date(2018, 5, 1))
    assert voucher.code.startswith("QJ2018-") and len(voucher.code) == 17
    assert voucher.expires_on == date(2018, 12, 31)
    other = voucher_services.new_voucher_code(2018)
    assert other != voucher.code
    assert code_of(lambda: voucher_services.issue_voucher(trainee, by=official, policy_year=policy_year,
                                                  today=date(2018, 5, 2))) == "voucher_already_issued"
    stranger = factories.TraineeFactory()
    assert code_of(lambda: voucher_services.issue_voucher(stranger, by=official, policy_year=policy_year,
                                                  today=date(2018, 5, 2))) == "not_own_trainee"


def test_claim_line_of_a_voucher_trainee_names_the_voucher(policy_year):
    policy_year.is_voucher_pilot_on = True
    policy_year.save()
    training_class = completed_class(trainees=1)
    enrolment = training_class.enrolments.get()
    voucher = factories.VoucherFactory(holder=enrolment.trainee, policy_year=policy_year, status="redeemed",
                                       enrolment=enrolment, redeemed_on=date(2018, 5, 28))
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    assert claim.lines.get().voucher == voucher
    assert courses  # the enrolment path by voucher is tested in tests/courses/test_services.py


# Small and micro enterprises ----------------------------------------------------------------

def test_small_enterprise_subsidy_rules_and_four_eyes(policy_year, reviewer, approver):
    hire = factories.TraineeFactory()
    subsidy = factories.SmallEnterpriseSubsidyFactory.build(hire=hire, policy_year=policy_year, contract_months=5,
                                                            amount=Decimal(0))
    assert code_of(lambda: services.record_small_enterprise_subsidy(subsidy, by=reviewer)) == "contract_too_short"
    subsidy.contract_months = 6
    services.record_small_enterprise_subsidy(subsidy, by=reviewer)
    assert subsidy.amount == Decimal("300.00")
    for step, user in (("submit", reviewer), ("review", reviewer)):
        services.decide_small_enterprise_subsidy(subsidy, by=user, step=step)
    assert code_of(lambda: services.decide_small_enterprise_subsidy(subsidy, by=reviewer, step="approve")) == (
        "four_eyes")
    services.decide_small_enterprise_subsidy(subsidy, by=approver, step="approve")
    training = factories.CertificateFactory(trainee=hire, issued_on=date(2019, 5, 1))
    wrong_kind = factories.SmallEnterpriseSubsidyFactory.build(
        hire=hire, policy_year=policy_year, enterprise_credit_code=subsidy.enterprise_credit_code, stage="upgrade",
        certificate=training, amount=Decimal(0))
    assert code_of(lambda: services.record_small_enterprise_subsidy(wrong_kind, by=reviewer)) == (
        "certificate_not_skill_level")
    certificate = factories.CertificateFactory(trainee=hire, issued_on=date(2019, 7, 1), kind="skill_level",
                                               level="4", evaluation_body=factories.EvaluationBodyFactory())
    upgrade = factories.SmallEnterpriseSubsidyFactory.build(
        hire=hire, policy_year=policy_year, enterprise_credit_code=subsidy.enterprise_credit_code, stage="upgrade",
        certificate=certificate, amount=Decimal(0))
    assert code_of(lambda: services.record_small_enterprise_subsidy(upgrade, by=reviewer)) == (
        "certificate_outside_year")
    certificate.issued_on = date(2019, 5, 31)
    certificate.save()
    services.record_small_enterprise_subsidy(upgrade, by=reviewer)
    assert upgrade.amount == Decimal("300.00")


def test_totals_stay_consistent():
    training_class = completed_class(trainees=3)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    assert claim.total_amount == sum(line.amount for line in claim.lines.all())
    assert SubsidyClaim.objects.filter(status=ClaimStatus.DRAFT).count() == 1


def test_no_voucher_of_a_year_that_has_ended(policy_year):
    policy_year.is_voucher_pilot_on = True
    policy_year.save()
    trainee = factories.TraineeFactory()
    official = factories.township_user(trainee.township)
    assert code_of(lambda: voucher_services.issue_voucher(trainee, by=official, policy_year=policy_year,
                                                  today=date(2019, 1, 2))) == "policy_year_over"


def test_public_notice_cannot_be_backdated(reviewer, approver):
    claim = approved_claim(reviewer, approver)
    assert code_of(lambda: services.publicise_claim(claim, by=reviewer, starts_on=date(2018, 9, 3),
                                                    today=date(2018, 9, 4))) == "publicity_backdated"


def test_a_trainee_can_be_removed_from_a_draft_claim_only():
    training_class = completed_class(trainees=2)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    line = claim.lines.first()
    assert code_of(lambda: services.remove_line(line, by=training_class.clerk, reason="")) == "reason_required"
    services.remove_line(line, by=training_class.clerk, reason="证书信息有误,待核实")
    claim.refresh_from_db()
    assert claim.total_amount == Decimal("1200.00")
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    other = claim.lines.filter(is_void=False).get()
    assert code_of(lambda: services.remove_line(other, by=training_class.clerk, reason="x")) == "claim_not_draft"
    again, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    assert again.lines.get().enrolment == line.enrolment
