"""Issue 15's dataset: 200 clean trainees and, planted once each, the money patterns an auditor
found. The claims go through every step (generate, submit, review, approve, notice, payable,
paid); the planted patterns are paid nothing, every clean trainee is paid, and the supervision
checks raise exactly one finding per pattern (《实施方案》三(七) 杜绝弄虚作假, 四(二))."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certification import services as certification
from certification.models import Certificate, EmploymentRecord
from courses.models import AttendanceRecord, Enrolment, Session, TrainingClass
from institutions.models import Flag, FlagKind
from programme.models import PolicyYear
from reporting.flags import detect_flags, resolve_flag
from subsidies import services
from subsidies.models import ClaimLine, ClaimStatus, SubsidyClaim
from tests import factories
from tests.scenarios import START, completed_class
from tests.subsidies.conftest import same_person, shift

pytestmark = pytest.mark.django_db

END = START + datetime.timedelta(days=9)  # 13 June 2018
FIRST_CLAIM_ON = END + datetime.timedelta(days=10)
EMPLOYED_ON = datetime.date(2018, 7, 2)
SECOND_CLAIM_ON = datetime.date(2018, 9, 14)  # the day after the window (13 September) closed


def moment(day, clock=datetime.time(9)):
    return timezone.make_aware(datetime.datetime.combine(day, clock))


def marks_recorded_live():
    """Every mark carries the moment its session began as its server time, as a clerk taking the
    register in class would have written it (the suite runs years after 2018)."""
    for session in Session.objects.all():
        AttendanceRecord.objects.filter(session=session).update(
            recorded_at=moment(session.held_on, session.starts_at or datetime.time(8, 30)))


def leveled(training_class, level):
    TrainingClass.objects.filter(pk=training_class.pk).update(level=level)
    Certificate.objects.filter(enrolment__training_class=training_class).update(kind="qualification", level=level)


def run_claims(classes, instalment, today, reviewer, approver):
    """Every class's claim of `instalment` through every step; a submitted claim a re-check would
    empty is rejected by HR."""
    for tc in classes:
        tc.refresh_from_db()
        try:
            claim, _ = services.generate_claim(tc, by=tc.clerk, instalment=instalment, today=today)
        except ValidationError as error:
            assert error.code in {"nothing_to_claim", "draft_exists", "second_claim_not_due"}, error
            claim = SubsidyClaim.objects.filter(training_class=tc, instalment=instalment,
                                                status=ClaimStatus.DRAFT).first()
            if claim is None:
                continue
        try:
            services.submit_claim(claim, by=tc.clerk, today=today)
            services.review_claim(claim, by=reviewer, today=today)
            services.approve_claim(claim, by=approver, today=today)
            services.publicise_claim(claim, by=reviewer, starts_on=today, today=today)
            claim.refresh_from_db()
            after = claim.publicity_ends_on + datetime.timedelta(days=1)
            services.mark_payable(claim, by=reviewer, today=after)
            services.mark_paid(claim, by=approver, payment_reference=f"CZ-{claim.pk}", today=after)
        except ValidationError as error:
            assert error.code == "nothing_payable_after_recheck", error
            claim.refresh_from_db()
            if claim.status != ClaimStatus.DRAFT:  # a draft that cannot be submitted stays with the institution
                services.reject_claim(claim, by=approver, reason="复核后无可拨付学员")


def paid(instalment):
    return set(ClaimLine.objects.filter(instalment=instalment, is_void=False, claim__status=ClaimStatus.PAID)
               .values_list("enrolment_id", flat=True))


def test_planted_money_patterns_are_paid_nothing_and_flagged_once():
    year = factories.PolicyYearFactory(year=2018)
    # This county takes no class photos and has no self check-in (those checks are issue 14's).
    PolicyYear.objects.filter(pk=year.pk).update(photos_per_session=0, min_check_in_share=0)
    reviewer, approver = factories.hr_user("reviewer"), factories.hr_user("approver")
    one_absence = {0: 1}  # every class has an absence: a perfect register is a finding of its own

    clean = [completed_class(trainees=50, absent_sessions=one_absence) for _ in range(4)]
    # 1. one person on two overlapping rosters at two institutions
    overlap_a = completed_class(trainees=1, absent_sessions=one_absence)
    overlap_b = completed_class(trainees=1, absent_sessions=one_absence)
    same_person(overlap_a, overlap_b)
    # 2. a withdrawn trainee's line on a draft claim (reached by another path)
    withdrawn_class = completed_class(trainees=1, absent_sessions=one_absence)
    services.generate_claim(withdrawn_class, by=withdrawn_class.clerk, instalment="first", today=FIRST_CLAIM_ON)
    Enrolment.objects.filter(training_class=withdrawn_class).update(is_withdrawn=True, withdrawn_on=END)
    # 3. a session dated the day after the approved end, with its marks
    extra_day = completed_class(trainees=1, absent_sessions=one_absence)
    session = Session.objects.create(training_class=extra_day, held_on=END + datetime.timedelta(days=1),
                                     starts_at=datetime.time(8, 30), hours=Decimal(4), kind="practical")
    AttendanceRecord.objects.create(session=session, enrolment=extra_day.enrolments.get(), is_present=True,
                                    recorded_by=extra_day.clerk)
    # 4. a lower level after a higher one in the same occupation
    higher = completed_class(trainees=1, absent_sessions=one_absence)
    lower = completed_class(trainees=1, absent_sessions=one_absence, occupation=higher.occupation)
    same_person(higher, lower)
    leveled(higher, "4")
    leveled(lower, "5")
    shift(lower, 40, move_certificates=True)
    # 5.-7. employment: recorded before it began, ten hires of one person without a credit code,
    # and a job at the institution itself; the clean trainees of the first class are employed.
    employed_class = completed_class(trainees=12, absent_sessions=one_absence)
    marks_recorded_live()
    future, institution_job, *uncoded = list(employed_class.enrolments.order_by("pk"))
    for enrolment in clean[0].enrolments.order_by("pk"):
        record = certification.record_employment(
            enrolment, by=clean[0].clerk, employer_name="长治县某机械有限公司", started_on=EMPLOYED_ON,
            evidence_kind="contract", employer_credit_code=factories.credit_code(900), today=EMPLOYED_ON)
        certification.verify_employment(record, by=reviewer, today=EMPLOYED_ON)
    EmploymentRecord.objects.create(
        trainee=future.trainee, enrolment=future, employer_name="长治县某建材有限公司",
        employer_credit_code=factories.credit_code(901), started_on=SECOND_CLAIM_ON + datetime.timedelta(days=5),
        evidence_kind="contract", verified_by=reviewer, verified_at=moment(EMPLOYED_ON))
    EmploymentRecord.objects.filter(enrolment=future).update(recorded_at=moment(EMPLOYED_ON))
    certification.record_employment(
        institution_job, by=employed_class.clerk, employer_name=employed_class.institution.name,
        started_on=EMPLOYED_ON, evidence_kind="contract", employer_credit_code=employed_class.institution.credit_code,
        today=EMPLOYED_ON)
    for enrolment in uncoded:
        certification.record_employment(enrolment, by=employed_class.clerk, employer_name="王某某",
                                        started_on=EMPLOYED_ON, evidence_kind="contract", today=EMPLOYED_ON)

    # The supervision checks: one finding per pattern, about the planted class or trainee.
    detect_flags(now=moment(SECOND_CLAIM_ON))
    kinds = Counter(Flag.objects.values_list("kind", flat=True))
    assert kinds == {FlagKind.OVERLAPPING_CLASSES: 1, FlagKind.WITHDRAWN_ON_CLAIM: 1,
                     FlagKind.ATTENDANCE_OUTSIDE_DATES: 1, FlagKind.LOWER_LEVEL_AFTER_HIGHER: 1,
                     FlagKind.EMPLOYMENT_IN_ADVANCE: 1, FlagKind.UNCODED_EMPLOYER: 1,
                     FlagKind.EMPLOYER_IS_INSTITUTION: 1}, kinds
    clean_trainees = set(Enrolment.objects.filter(training_class__in=clean).values_list("trainee_id", flat=True))
    assert not Flag.objects.filter(trainee_id__in=clean_trainees).exists()
    assert not Flag.objects.filter(training_class__in=clean).exists()

    # HR looks at each finding and closes it: from here on only the rules stand between a pattern
    # and the money (holding a line while its flag is open is tested in test_recheck.py).
    for flag in Flag.objects.all():
        resolve_flag(flag, by=reviewer, note="已核查,按规定处理")

    everything = [*clean, overlap_a, overlap_b, withdrawn_class, extra_day, higher, lower, employed_class]
    run_claims(everything, "first", FIRST_CLAIM_ON, reviewer, approver)
    run_claims([lower], "first", FIRST_CLAIM_ON + datetime.timedelta(days=40), reviewer, approver)
    run_claims(everything, "second", SECOND_CLAIM_ON, reviewer, approver)

    clean_enrolments = set(Enrolment.objects.filter(training_class__in=clean).values_list("pk", flat=True))
    assert len(clean_enrolments) == 200
    first_paid = paid("first")
    assert clean_enrolments <= first_paid
    planted_first = set(Enrolment.objects.filter(
        training_class__in=[overlap_a, overlap_b, withdrawn_class, lower]).values_list("pk", flat=True))
    assert not planted_first & first_paid
    # R6: the day after the approved end is never a paid day.
    extra = ClaimLine.objects.get(enrolment__training_class=extra_day, claim__status=ClaimStatus.PAID)
    assert (extra.training_days, extra.amount) == (10, Decimal("1200.00"))
    second_paid = paid("second")
    assert set(clean[0].enrolments.values_list("pk", flat=True)) == second_paid  # only real, verified jobs
    # Each pattern is refused by its rule, not only held by its flag.
    later = FIRST_CLAIM_ON + datetime.timedelta(days=40)
    codes = {e.pk: d.code for e, d in services.preview_first_claim(lower, today=later).excluded}
    assert set(codes.values()) == {"lower_level_than_before"}
    for tc in (overlap_a, overlap_b):
        assert {d.code for _, d in services.preview_first_claim(tc, today=FIRST_CLAIM_ON).excluded} == {
            "trainee_in_overlapping_class"}
    assert ClaimLine.objects.get(enrolment__training_class=withdrawn_class).is_void is False  # refused whole
    second = {e.pk: d.code for e, d in services.preview_second_claim(employed_class, today=SECOND_CLAIM_ON).excluded}
    assert second[future.pk] == "employment_not_started"
    assert second[institution_job.pk] == "employment_not_verified"
    assert {second[e.pk] for e in uncoded} == {"employment_not_verified"}
    # Run again: nothing new, nothing reopened.
    assert detect_flags(now=moment(SECOND_CLAIM_ON)) == 0
