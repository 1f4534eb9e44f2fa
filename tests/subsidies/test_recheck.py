"""Issue 15 items 1 and 2: claims re-check what they pay at submit, review, approval and payment
(R3, R6, R16 by dates and certificates, R18, R23, withdrawal), and open supervision flags hold a
trainee's payment until HR resolves them (《实施方案》三(七))."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification.models import Certificate, EmploymentRecord
from courses.models import Enrolment, Session, TrainingClass
from institutions.models import Flag, FlagKind
from reporting.flags import resolve_flag
from subsidies import services
from subsidies.models import ClaimLine
from tests import factories
from tests.scenarios import START, completed_class
from tests.subsidies.conftest import code_of, same_person, shift

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)
TODAY = END + datetime.timedelta(days=10)


def draft(training_class):
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    return claim


def flag_on(*, trainee=None, training_class=None, key="planted"):
    return Flag.objects.create(kind=FlagKind.OVERLAPPING_CLASSES, key=key, summary="学员同时在两个培训班(日期重叠)",
                               trainee=trainee, training_class=training_class)


# R6 ----------------------------------------------------------------------------------------

def test_r6_a_session_outside_the_approved_dates_adds_no_paid_day():
    training_class = completed_class(trainees=1)
    assert services.delivered_days(training_class) == 10
    # A session written outside the approved dates by another path (here the ORM).
    Session.objects.create(training_class=training_class, held_on=END + datetime.timedelta(days=1),
                           hours=Decimal(4), kind="practical")
    Session.objects.create(training_class=training_class, held_on=START - datetime.timedelta(days=1),
                           hours=Decimal(4), kind="practical")
    assert services.delivered_days(training_class) == 10
    line = draft(training_class).lines.get()
    assert (line.training_days, line.total_subsidy_amount, line.amount) == (10, Decimal("1500.00"),
                                                                            Decimal("1200.00"))


def test_r6_a_day_added_after_generation_is_caught_at_the_next_step(reviewer):
    """The same amount or the line goes: a line generated on 10 days, whose class then shows 11
    inside its dates, no longer matches what a claim would pay."""
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    ClaimLine.objects.filter(claim=claim).update(training_days=11, total_subsidy_amount=Decimal("1600.00"),
                                                 first_amount=Decimal("1280.00"), second_amount=Decimal("320.00"),
                                                 amount=Decimal("1280.00"))
    assert code_of(lambda: services.submit_claim(claim, by=training_class.clerk, today=TODAY)) == (
        "nothing_payable_after_recheck")
    assert ClaimLine.objects.filter(claim=claim, is_void=False).count() == 2  # nothing written


# Withdrawal and the step the line goes at ----------------------------------------------------

@pytest.mark.parametrize("step", ["submit", "review", "approve", "payable", "paid"])
def test_a_withdrawn_trainee_is_taken_off_at_every_step(step, reviewer, approver, monkeypatch):
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    gone, stays = claim.lines.order_by("pk")
    moves = [
        ("submit", lambda: services.submit_claim(claim, by=training_class.clerk, today=TODAY)),
        ("review", lambda: services.review_claim(claim, by=reviewer, today=TODAY)),
        ("approve", lambda: services.approve_claim(claim, by=approver, today=TODAY)),
        ("publicise", lambda: services.publicise_claim(claim, by=reviewer, starts_on=TODAY, today=TODAY)),
        ("payable", lambda: services.mark_payable(claim, by=reviewer, today=TODAY + datetime.timedelta(days=30))),
        ("paid", lambda: services.mark_paid(claim, by=approver, payment_reference="CZ-1",
                                            today=TODAY + datetime.timedelta(days=30))),
    ]
    for name, move in moves:
        if name == step:
            Enrolment.objects.filter(pk=gone.enrolment_id).update(is_withdrawn=True, withdrawn_on=END)
            moved = move()
            assert [line.pk for line in moved.dropped] == [gone.pk]
            break
        move()
    gone.refresh_from_db()
    claim.refresh_from_db()
    label = services.RECHECK_STEPS["pay" if step == "paid" else step]
    assert gone.is_void and gone.void_reason.startswith(f"{label}:已退学")
    assert claim.total_amount == stays.amount
    assert gone.history.first().history_change_reason == label


def test_a_claim_whose_every_line_fails_is_refused_and_nothing_is_written(reviewer):
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    Enrolment.objects.filter(training_class=training_class).update(is_withdrawn=True, withdrawn_on=END)
    with pytest.raises(ValidationError) as error:
        services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    assert error.value.code == "nothing_payable_after_recheck"
    assert "请不予拨付" in error.value.messages[0]
    claim.refresh_from_db()
    assert claim.status == "draft" and claim.lines.filter(is_void=False).count() == 2


def test_r18_is_judged_on_the_day_of_the_claim_not_at_each_later_step(reviewer, approver):
    training_class = completed_class(trainees=1)
    claim = draft(training_class)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    much_later = TODAY + datetime.timedelta(days=400)  # past the 12 months: submitted in time
    services.review_claim(claim, by=reviewer, today=much_later)
    services.approve_claim(claim, by=approver, today=much_later)
    assert claim.lines.filter(is_void=False).count() == 1
    # a claim submitted after the deadline: the line goes at submission
    other = completed_class(trainees=2)
    late_claim = draft(other)
    Certificate.objects.filter(enrolment=late_claim.lines.first().enrolment).update(
        issued_on=TODAY - datetime.timedelta(days=400))
    moved = services.submit_claim(late_claim, by=other.clerk, today=TODAY)
    assert [line.void_reason.split(":")[0] for line in moved.dropped] == ["提交时复核"]
    assert "申领期限12个月" in moved.dropped[0].void_reason


# Open flags hold payment -----------------------------------------------------------------------

def test_an_open_flag_on_a_trainee_holds_the_line_which_returns_once_resolved(reviewer, approver):
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    held_line = claim.lines.order_by("pk").first()
    flag = flag_on(trainee=held_line.enrolment.trainee)
    moved = services.review_claim(claim, by=reviewer, today=TODAY)
    held_line.refresh_from_db()
    assert moved.dropped == [held_line]
    assert held_line.is_void and held_line.held_by == flag
    assert "暂缓拨付" in held_line.void_reason and f"异常提示第{flag.pk}号" in held_line.void_reason
    assert flag.summary not in held_line.void_reason  # HR's findings stay with HR
    # the claim goes on without it
    services.approve_claim(claim, by=approver, today=TODAY)
    # still open: a new claim leaves the trainee out, held, with the flag named
    preview = services.preview_first_claim(training_class, today=TODAY)
    assert [(e.pk, d.code) for e, d in preview.excluded if d.code == "held_by_flag"] == [
        (held_line.enrolment_id, "held_by_flag")]
    assert preview.held == {held_line.enrolment_id: flag}
    # HR resolves the flag: the trainee comes back on a later claim
    resolve_flag(flag, by=reviewer, note="核查无误:学员只在本班学习")
    later = draft(training_class)
    assert [line.enrolment_id for line in later.lines.all()] == [held_line.enrolment_id]


def test_an_open_flag_on_the_class_holds_every_line(reviewer):
    training_class = completed_class(trainees=2)
    flag_on(training_class=training_class)
    with pytest.raises(ValidationError) as error:
        draft(training_class)
    assert error.value.code == "nothing_to_claim"
    preview = services.preview_first_claim(training_class, today=TODAY)
    assert {d.code for _, d in preview.excluded} == {"held_by_flag"}


def test_a_resolved_flag_holds_nothing():
    training_class = completed_class(trainees=1)
    flag = flag_on(training_class=training_class)
    Flag.objects.filter(pk=flag.pk).update(resolved_at=timezone.now(), resolved_by=factories.hr_user("r"),
                                           resolution_note="已核查")
    assert draft(training_class).lines.count() == 1


def test_the_admin_says_before_and_after_who_is_taken_off(reviewer, client):
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    held = claim.lines.order_by("pk").first()
    flag = flag_on(trainee=held.enrolment.trainee)
    client.force_login(reviewer)
    url = reverse("admin:subsidies_subsidyclaim_changelist")
    page = client.post(url, {"action": "review_selected", "_selected_action": [claim.pk]})
    assert f"将剔除{held.enrolment.trainee.name}" in page.content.decode()
    done = client.post(url, {"action": "review_selected", "_selected_action": [claim.pk], "confirm": "1"},
                       follow=True)
    text = done.content.decode()
    assert "已剔除" in text and f"异常提示第{flag.pk}号" in text
    change = client.get(reverse("admin:subsidies_subsidyclaim_change", args=[claim.pk])).content.decode()
    assert reverse("admin:institutions_flag_change", args=[flag.pk]) in change and flag.summary in change


def test_the_institutions_submit_button_says_who_was_taken_off(client, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    training_class = completed_class(trainees=2)
    claim = draft(training_class)
    gone = claim.lines.order_by("pk").first()
    Enrolment.objects.filter(pk=gone.enrolment_id).update(is_withdrawn=True, withdrawn_on=END)
    client.force_login(training_class.clerk)
    page = client.post(reverse("subsidies:claim-submit", args=[claim.pk]), follow=True).content.decode()
    assert "提交时复核:已退学" in page and "申领已提交" in page


# R16 by dates and certificates -------------------------------------------------------------

def test_r16_two_overlapping_classes_pay_neither():
    first, second = completed_class(trainees=1), completed_class(trainees=1)
    same_person(first, second)
    for tc in (first, second):
        preview = services.preview_first_claim(tc, today=TODAY)
        assert [d.code for _, d in preview.excluded] == ["trainee_in_overlapping_class"]


def test_r16_a_line_drafted_before_the_overlap_appeared_goes_at_submit():
    first = completed_class(trainees=1)
    claim = draft(first)
    second = completed_class(trainees=1)
    same_person(first, second)
    with pytest.raises(ValidationError) as error:
        services.submit_claim(claim, by=first.clerk, today=TODAY)
    assert error.value.code == "nothing_payable_after_recheck"
    assert "同一时间只能参加一个班" in error.value.messages[0]


def levels(training_class, level):
    TrainingClass.objects.filter(pk=training_class.pk).update(level=level)
    Certificate.objects.filter(enrolment__training_class=training_class).update(kind="qualification", level=level)
    training_class.refresh_from_db()


def test_r16_a_lower_level_after_a_higher_one_is_not_paid_whatever_the_order_of_claims():
    higher = completed_class(trainees=1)
    lower = completed_class(trainees=1, occupation=higher.occupation)
    same_person(higher, lower)
    levels(higher, "4")  # 中级工, taught first
    levels(lower, "5")  # 初级工, taught a month later
    shift(lower, 40)
    today = TODAY + datetime.timedelta(days=40)
    # the lower level is refused although the higher one is not claimed yet
    preview = services.preview_first_claim(lower, today=today)
    assert [d.code for _, d in preview.excluded] == ["lower_level_than_before"]
    assert services.preview_first_claim(higher, today=today).lines


def test_r16_a_lower_level_taught_first_is_paid_even_after_the_higher_one():
    lower = completed_class(trainees=1)
    higher = completed_class(trainees=1, occupation=lower.occupation)
    same_person(lower, higher)
    levels(lower, "5")
    levels(higher, "4")
    shift(higher, 40)
    today = TODAY + datetime.timedelta(days=40)
    draft(higher)  # the higher level is claimed first
    assert len(services.preview_first_claim(lower, today=today).lines) == 1


def test_r16_the_same_level_twice_pays_the_earlier_training_only():
    earlier = completed_class(trainees=1)
    later = completed_class(trainees=1, occupation=earlier.occupation)
    same_person(earlier, later)
    shift(later, 40)
    today = TODAY + datetime.timedelta(days=40)
    assert [d.code for _, d in services.preview_first_claim(later, today=today).excluded] == [
        "same_occupation_and_level"]
    assert len(services.preview_first_claim(earlier, today=today).lines) == 1


def test_r16_a_failed_earlier_training_does_not_stop_the_later_one():
    earlier = completed_class(trainees=1, certified=False)
    later = completed_class(trainees=1, occupation=earlier.occupation)
    same_person(earlier, later)
    shift(later, 40)
    assert len(services.preview_first_claim(later, today=TODAY + datetime.timedelta(days=40)).lines) == 1


def test_r16_the_yearly_cap_counts_subsidised_trainings_only():
    classes = [completed_class(trainees=1) for _ in range(4)]
    for i, tc in enumerate(classes[1:], start=1):
        same_person(classes[0], tc)
        shift(tc, 30 * i)
    today = TODAY + datetime.timedelta(days=120)
    assert [d.code for _, d in services.preview_first_claim(classes[3], today=today).excluded] == [
        "yearly_training_cap"]
    # the second training failed (no certificate, never claimed): the fourth is within the cap
    Certificate.objects.filter(enrolment__training_class=classes[1]).delete()
    assert len(services.preview_first_claim(classes[3], today=today).lines) == 1


# R23 at the claim ------------------------------------------------------------------------

def employed(enrolment, *, started_on, credit_code, verified=True, note=""):
    return EmploymentRecord.objects.create(
        trainee=enrolment.trainee, enrolment=enrolment, employer_name="某用人单位", employer_credit_code=credit_code,
        started_on=started_on, evidence_kind="contract", verified_by=factories.hr_user(f"v{enrolment.pk}") if verified
        else None, verified_at=timezone.now() if verified else None, verification_note=note)


def paid_first(training_class, reviewer, approver):
    claim = draft(training_class)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=reviewer, today=TODAY)
    services.approve_claim(claim, by=approver, today=TODAY)
    return claim


def test_r23_employment_not_started_or_needing_a_note_is_not_paid(reviewer, approver):
    training_class = completed_class(trainees=4)
    paid_first(training_class, reviewer, approver)
    future, uncoded, noted, coded = training_class.enrolments.order_by("pk")
    day = END + datetime.timedelta(days=20)
    employed(future, started_on=day + datetime.timedelta(days=1), credit_code=factories.credit_code(1))
    valid = factories.credit_code(3)
    broken = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # the check character does not match
    employed(uncoded, started_on=day, credit_code=broken)  # verified before notes were required
    employed(noted, started_on=day, credit_code="", note="走访用人单位,核对工资发放记录")
    employed(coded, started_on=day, credit_code=factories.credit_code(2))
    preview = services.preview_second_claim(training_class, today=day)
    assert {e.pk: d.code for e, d in preview.excluded} == {future.pk: "employment_not_started",
                                                          uncoded.pk: "employment_needs_note"}
    assert {line.enrolment_id for line in preview.lines} == {noted.pk, coded.pk}


# What the independent review of the change found ------------------------------------------------

def test_a_flag_naming_one_trainee_in_the_class_holds_that_trainee_only():
    training_class = completed_class(trainees=3)
    one = training_class.enrolments.order_by("pk").first()
    Flag.objects.create(kind=FlagKind.EMPLOYER_IS_INSTITUTION, key="one", summary="就业单位就是培训机构本身",
                        trainee=one.trainee, training_class=training_class)
    preview = services.preview_first_claim(training_class, today=TODAY)
    assert [(e.pk, d.code) for e, d in preview.excluded] == [(one.pk, "held_by_flag")]
    assert len(preview.lines) == 2


def test_r16_of_two_trainings_in_flight_the_earlier_is_paid_whichever_is_claimed_first(reviewer, approver):
    earlier = completed_class(trainees=1)
    later = completed_class(trainees=1, occupation=earlier.occupation)
    same_person(earlier, later)
    shift(later, 40)
    today = TODAY + datetime.timedelta(days=40)
    # the later class's line is drafted first, by another path (before the earlier one was certified)
    Certificate.objects.filter(enrolment__training_class=earlier).update(issued_on=later.planned_end_on)
    line = ClaimLine.objects.create(
        claim=factories.SubsidyClaimFactory(training_class=later, institution=later.institution),
        enrolment=later.enrolments.get(), instalment="first", training_days=10,
        total_subsidy_amount=Decimal("1500.00"), first_amount=Decimal("1200.00"), second_amount=Decimal("300.00"),
        amount=Decimal("1200.00"), reason="另一途径生成")
    # a draft line of the later class does not stop the earlier one
    assert len(services.preview_first_claim(earlier, today=today).lines) == 1
    # and the later one goes at its next step, the earlier being certified and first by date
    findings = services.recheck_findings(line.claim, today=today, step="submit")
    assert [reason for _, reason, _ in findings] and "同一等级" in findings[0][1]


def test_r16_an_earlier_training_refused_for_good_does_not_count(reviewer):
    earlier = completed_class(trainees=2)
    later = completed_class(trainees=1, occupation=earlier.occupation)
    trainee = earlier.enrolments.order_by("pk").first().trainee
    Enrolment.objects.filter(training_class=later).update(trainee=trainee)
    Certificate.objects.filter(enrolment__training_class=later).update(trainee=trainee)
    shift(later, 40)
    today = TODAY + datetime.timedelta(days=40)
    claim = draft(earlier)
    services.submit_claim(claim, by=earlier.clerk, today=TODAY)
    assert [d.code for _, d in services.preview_first_claim(later, today=today).excluded] == [
        "same_occupation_and_level"]
    services.reject_claim(claim, by=reviewer, reason="机构虚报,不予拨付")
    # the earlier training was never subsidised and never will be: the later one may be paid
    assert len(services.preview_first_claim(later, today=today).lines) == 1


def test_the_20_percent_is_made_payable_only_after_the_80_percent(reviewer, approver):
    training_class = completed_class(trainees=1)
    first = paid_first(training_class, reviewer, approver)  # approved, not yet paid
    enrolment = training_class.enrolments.get()
    day = END + datetime.timedelta(days=20)
    employed(enrolment, started_on=day, credit_code=factories.credit_code(4))
    second, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="second",
                                        today=SECOND_DAY)
    services.submit_claim(second, by=training_class.clerk, today=SECOND_DAY)
    services.review_claim(second, by=reviewer, today=SECOND_DAY)
    services.approve_claim(second, by=approver, today=SECOND_DAY)
    services.publicise_claim(second, by=reviewer, starts_on=SECOND_DAY, today=SECOND_DAY)
    after = SECOND_DAY + datetime.timedelta(days=14)
    with pytest.raises(ValidationError) as error:
        services.mark_payable(second, by=reviewer, today=after)
    assert error.value.code == "nothing_payable_after_recheck" and "首期" in error.value.messages[0]
    # the first instalment goes through its notice and is paid: the second may follow
    services.publicise_claim(first, by=reviewer, starts_on=after, today=after)
    first.refresh_from_db()
    later = first.publicity_ends_on + datetime.timedelta(days=1)
    services.mark_payable(first, by=reviewer, today=later)
    services.mark_paid(first, by=approver, payment_reference="CZ-80", today=later)
    services.mark_payable(second, by=reviewer, today=later)
    services.mark_paid(second, by=approver, payment_reference="CZ-20", today=later)
    assert second.lines.filter(is_void=False).count() == 1


def test_a_claim_on_notice_can_still_be_refused_as_a_whole(reviewer, approver):
    training_class = completed_class(trainees=1)
    claim = paid_first(training_class, reviewer, approver)
    services.publicise_claim(claim, by=reviewer, starts_on=TODAY, today=TODAY)
    services.reject_claim(claim, by=approver, reason="公示期间查实虚假培训")
    claim.refresh_from_db()
    assert claim.status == "rejected"


SECOND_DAY = END + datetime.timedelta(days=100)  # after the window (13 September) closed


def test_a_claim_left_without_lines_by_an_objection_is_not_made_payable(reviewer, approver):
    training_class = completed_class(trainees=1)
    claim = paid_first(training_class, reviewer, approver)
    services.publicise_claim(claim, by=reviewer, starts_on=TODAY, today=TODAY)
    claim.refresh_from_db()
    objection = services.record_objection(claim.lines.get(), by=reviewer, received_on=claim.publicity_starts_on,
                                          content="举报该学员未参加培训")
    services.decide_objection(objection, by=approver, upheld=True, note="查实")
    after = claim.publicity_ends_on + datetime.timedelta(days=1)
    assert code_of(lambda: services.mark_payable(claim, by=reviewer, today=after)) == "nothing_payable_after_recheck"
    services.reject_claim(claim, by=approver, reason="异议成立,无可拨付学员")
    claim.refresh_from_db()
    assert (claim.status, claim.total_amount) == ("rejected", Decimal("0.00"))


def test_r18_a_claim_returned_and_submitted_again_keeps_the_day_it_was_first_submitted(reviewer):
    training_class = completed_class(trainees=1)
    claim = draft(training_class)
    issued_on = Certificate.objects.get(enrolment__training_class=training_class).issued_on
    last_day = issued_on.replace(year=issued_on.year + 1)  # R18: 12 months after the certificate
    services.submit_claim(claim, by=training_class.clerk, today=last_day)
    services.return_claim(claim, by=reviewer, reason="请补充培训券复印件")
    # submitted again after the deadline: judged on the first submission, within it
    moved = services.submit_claim(claim, by=training_class.clerk, today=last_day + datetime.timedelta(days=30))
    claim.refresh_from_db()
    assert moved.dropped == [] and claim.first_submitted_on == last_day and claim.status == "submitted"
    # a claim first submitted one day after the deadline is refused at submission
    late = completed_class(trainees=1)
    late_claim = draft(late)
    with pytest.raises(ValidationError) as error:
        services.submit_claim(late_claim, by=late.clerk, today=last_day + datetime.timedelta(days=1))
    assert "申领期限12个月" in error.value.messages[0]
