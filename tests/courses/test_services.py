"""The class workflow, roster, sessions, attendance and completion through the services."""

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from courses import services
from courses.models import ClassStatus, ClassTransition, Enrolment, VoucherStatus
from courses.selectors import AttendanceSheet
from institutions.models import InstitutionYear
from tests import factories
from tests.ids import make_id_number
from tests.scenarios import approved_class, county_moment
from trainees.models import CategoryMembership

pytestmark = pytest.mark.django_db

TODAY = date(2018, 5, 20)


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    codes = [e.code for e in error.value.error_list]
    return codes[0] if len(codes) == 1 else codes


# The application --------------------------------------------------------------------------

def test_submit_and_approve_record_who_and_when(clerk, officer):
    training_class = factories.class_application()
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=officer, note="同意开班")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.APPROVED
    assert (training_class.submitted_by, training_class.decided_by) == (clerk, officer)
    steps = list(ClassTransition.objects.filter(training_class=training_class).values_list(
        "from_status", "to_status", "acted_by__username"))
    assert steps == [("draft", "submitted", "clerk"), ("submitted", "approved", "officer")]
    assert training_class.history.count() >= 3


def test_a_clerk_can_never_approve(clerk):
    training_class = factories.class_application()
    services.submit_class_application(training_class, by=clerk)
    for decide in (lambda: services.approve_class(training_class, by=clerk),
                   lambda: services.return_class(training_class, by=clerk, reason="x"),
                   lambda: services.reject_class(training_class, by=clerk, reason="x")):
        assert code_of(decide) == "not_hr"
    training_class.refresh_from_db()
    assert training_class.status == "submitted"


def test_approving_a_draft_is_refused(officer):
    training_class = factories.class_application()
    assert code_of(lambda: services.approve_class(training_class, by=officer)) == "illegal_transition"
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.DRAFT


def test_completing_a_class_never_started_is_refused(clerk, officer):
    training_class = approved_class(clerk, officer)
    assert code_of(lambda: services.complete_class(training_class, by=clerk, today=date(2018, 7, 1))) == (
        "illegal_transition")


def test_submit_refuses_with_every_broken_rule(clerk):
    """Capacity 51 (R1), 16 days (R5), an unlisted institution (R10) and no textbook (R17)."""
    training_class = factories.TrainingClassFactory(
        capacity=51, planned_days=16, planned_end_on=date(2018, 6, 30), documents=True,
        occupation__certificate_kind="training",
    )
    with pytest.raises(ValidationError) as error:
        services.submit_class_application(training_class, by=clerk)
    codes = {e.code for e in error.value.error_list}
    assert {"capacity_over_limit", "too_many_days", "institution_not_listed", "application_incomplete"} <= codes
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.DRAFT


def test_disqualified_institution_cannot_submit(clerk):
    training_class = factories.class_application()
    InstitutionYear.objects.filter(institution=training_class.institution).update(
        is_disqualified=True, disqualification_reason="2017年度就业率不达30%")
    assert code_of(lambda: services.submit_class_application(training_class, by=clerk)) == "institution_disqualified"


def test_occupation_from_another_years_catalogue_is_refused(clerk):
    other_year = factories.OccupationFactory(policy_year=factories.PolicyYearFactory(year=2017),
                                             certificate_kind="training")
    training_class = factories.class_application(occupation=other_year)
    assert code_of(lambda: services.submit_class_application(training_class, by=clerk)) == (
        "occupation_not_in_catalogue")


def test_practical_share_warning_must_be_acknowledged(clerk, officer):
    """68 % practical is allowed with a warning that both clerk and HR acknowledge."""
    training_class = factories.class_application(total_hours=100, planned_days=13,
                                                 planned_end_on=date(2018, 6, 13), practical_hours=68)
    assert code_of(lambda: services.submit_class_application(training_class, by=clerk)) == [
        "practical_share_below_target", "warning_not_acknowledged"]
    services.submit_class_application(training_class, by=clerk, acknowledge_warnings=True)
    with pytest.raises(ValidationError):
        services.approve_class(training_class, by=officer)
    services.approve_class(training_class, by=officer, acknowledge_warnings=True)
    transition = ClassTransition.objects.filter(training_class=training_class, to_status="approved").get()
    assert "68" in transition.acknowledged_warnings


def test_second_class_of_an_occupation_needs_the_parallel_approval(clerk, officer):
    """R2: the second concurrent class is refused at approval unless HR recorded the
    conditions for parallel classes; then a third is refused."""
    first = approved_class(clerk, officer)
    second = factories.class_application(institution=first.institution, occupation=first.occupation,
                                         target_line=first.target_line)
    assert code_of(lambda: services.submit_class_application(second, by=clerk)) == "parallel_classes"
    factories.ParallelClassApprovalFactory(institution=first.institution, occupation=first.occupation,
                                           approved_by=officer)
    services.submit_class_application(second, by=clerk)
    services.approve_class(second, by=officer)
    third = factories.class_application(institution=first.institution, occupation=first.occupation,
                                        target_line=first.target_line)
    assert code_of(lambda: services.submit_class_application(third, by=clerk)) == "parallel_classes"


def test_return_needs_a_reason_and_allows_resubmission(clerk, officer):
    training_class = factories.class_application()
    services.submit_class_application(training_class, by=clerk)
    assert code_of(lambda: services.return_class(training_class, by=officer, reason=" ")) == "reason_required"
    services.return_class(training_class, by=officer, reason="请补充实训设备清单")
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decision_note) == ("returned", "请补充实训设备清单")
    services.submit_class_application(training_class, by=clerk)


def test_rejected_is_final(clerk, officer):
    training_class = factories.class_application()
    services.submit_class_application(training_class, by=clerk)
    services.reject_class(training_class, by=officer, reason="该工种本年度培训任务已满")
    assert code_of(lambda: services.submit_class_application(training_class, by=clerk)) == "illegal_transition"


def test_cancel_before_completion_only(clerk, officer):
    training_class = approved_class(clerk, officer)
    services.cancel_class(training_class, by=clerk, reason="生源不足")
    training_class.refresh_from_db()
    assert training_class.status == "cancelled" and training_class.cancelled_at is not None


# Roster -----------------------------------------------------------------------------------

def test_enrol_by_id_number(clerk, officer):
    training_class = approved_class(clerk, officer)
    trainee = factories.TraineeFactory()
    enrolment = services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                       id_number=trainee.id_number.lower() + " ")
    assert (enrolment.trainee, enrolment.category, enrolment.enrolled_by) == (trainee, "rural_labour", clerk)


def test_enrol_unregistered_or_mistyped_id(clerk, officer):
    training_class = approved_class(clerk, officer)
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=make_id_number(sequence=99))) == "trainee_not_registered"
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number="14042119900101001")) == "id_missing_check_digit"


def test_enrolment_only_in_approved_or_running_classes(clerk):
    training_class = factories.class_application()
    trainee = factories.TraineeFactory()
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=trainee.id_number)) == "class_not_enrolling"


def test_the_51st_enrolment_is_refused(clerk, officer):
    """R1: 50 enrolled fill the class; the 51st is refused; a withdrawal frees a seat."""
    training_class = approved_class(clerk, officer)
    trainees = factories.TraineeFactory.create_batch(51)
    for trainee in trainees[:50]:
        services.enrol_trainee(training_class, by=clerk, today=TODAY, id_number=trainee.id_number)
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=trainees[50].id_number)) == "class_full"
    services.withdraw_enrolment(training_class.enrolments.first(), by=clerk, on=TODAY, reason="外出务工")
    services.enrol_trainee(training_class, by=clerk, today=TODAY, id_number=trainees[50].id_number)
    assert training_class.enrolments.count() == 51
    assert training_class.enrolments.filter(is_withdrawn=False).count() == 50


def test_trainee_under_16_or_without_category_is_refused(clerk, officer):
    """R13: 16 on the day of enrolment is old enough; a trainee in no eligible category is refused."""
    training_class = approved_class(clerk, officer)
    sixteen = factories.TraineeFactory(id_number=make_id_number(birth="20020520", sequence=1))
    services.enrol_trainee(training_class, by=clerk, today=TODAY, id_number=sixteen.id_number)
    young = factories.TraineeFactory(id_number=make_id_number(birth="20020521", sequence=2))
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=young.id_number)) == "under_age"
    nobody = factories.TraineeFactory()
    CategoryMembership.objects.filter(trainee=nobody).delete()
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=nobody.id_number)) == "no_category"


def test_category_must_be_held_when_the_class_starts(clerk, officer):
    training_class = approved_class(clerk, officer)
    trainee = factories.TraineeFactory()
    CategoryMembership.objects.filter(trainee=trainee).update(held_from=date(2018, 6, 2))
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  id_number=trainee.id_number)) == "no_category"


def test_r16_checked_at_enrolment(clerk, officer):
    """Overlap, the 4th training of the year and the same occupation and level are refused when
    the clerk enrols, not only at claim time."""
    trainee = factories.TraineeFactory()
    june = approved_class(clerk, officer)
    services.enrol_trainee(june, by=clerk, today=TODAY, id_number=trainee.id_number)
    overlapping = approved_class(clerk, officer, planned_start_on=date(2018, 6, 5), planned_end_on=date(2018, 6, 14))
    assert code_of(lambda: services.enrol_trainee(overlapping, by=clerk, today=TODAY,
                                                  id_number=trainee.id_number)) == "trainee_in_overlapping_class"
    same = approved_class(clerk, officer, occupation=june.occupation, institution=factories.TrainingInstitutionFactory(),
                          planned_start_on=date(2018, 7, 1), planned_end_on=date(2018, 7, 10))
    assert code_of(lambda: services.enrol_trainee(same, by=clerk, today=TODAY,
                                                  id_number=trainee.id_number)) == "same_occupation_and_level"
    for month in (8, 9):
        other = approved_class(clerk, officer, planned_start_on=date(2018, month, 1),
                               planned_end_on=date(2018, month, 10))
        services.enrol_trainee(other, by=clerk, today=TODAY, id_number=trainee.id_number)
    fourth = approved_class(clerk, officer, planned_start_on=date(2018, 10, 1), planned_end_on=date(2018, 10, 10))
    assert code_of(lambda: services.enrol_trainee(fourth, by=clerk, today=TODAY,
                                                  id_number=trainee.id_number)) == "yearly_training_cap"


def test_enrol_by_voucher_redeems_it(clerk, officer):
    training_class = approved_class(clerk, officer)
    training_class.policy_year.is_voucher_pilot_on = True
    training_class.policy_year.save()
    voucher = factories.VoucherFactory(policy_year=training_class.policy_year)
    enrolment = services.enrol_trainee(training_class, by=clerk, today=TODAY, voucher_code=voucher.code.lower())
    voucher.refresh_from_db()
    assert (voucher.status, voucher.enrolment, enrolment.source) == (VoucherStatus.REDEEMED, enrolment, "voucher")
    second = approved_class(clerk, officer, planned_start_on=date(2018, 8, 1), planned_end_on=date(2018, 8, 10))
    assert code_of(lambda: services.enrol_trainee(second, by=clerk, today=TODAY, voucher_code=voucher.code)) == (
        "voucher_used")


def test_voucher_of_someone_else_or_expired(clerk, officer):
    training_class = approved_class(clerk, officer)
    training_class.policy_year.is_voucher_pilot_on = True
    training_class.policy_year.save()
    voucher = factories.VoucherFactory(policy_year=training_class.policy_year, expires_on=date(2018, 5, 19))
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY,
                                                  voucher_code=voucher.code)) == "voucher_expired"
    fresh = factories.VoucherFactory(policy_year=training_class.policy_year)
    stranger = factories.TraineeFactory()
    assert code_of(lambda: services.enrol_trainee(training_class, by=clerk, today=TODAY, voucher_code=fresh.code,
                                                  id_number=stranger.id_number)) == "voucher_not_holder"


# Sessions, attendance, completion ---------------------------------------------------------

def running_class(clerk, officer, trainees=3, **kwargs):
    training_class = approved_class(clerk, officer, **kwargs)
    people = factories.TraineeFactory.create_batch(trainees)
    for trainee in people:
        services.enrol_trainee(training_class, by=clerk, today=TODAY, id_number=trainee.id_number)
    services.start_class(training_class, by=clerk, today=training_class.planned_start_on)
    training_class.refresh_from_db()
    return training_class


def during(session):
    """A moment while `session` is held (R20: marks are taken then)."""
    return county_moment(session.held_on, session.starts_at or datetime.time(12))


def schedule_all(training_class, clerk):
    """Ten days of two 4-hour sessions (80 hours), practical in the afternoons and in the mornings
    from day 5 on (80 % practical: R22 checks the share delivered at completion)."""
    sessions = []
    for day in range(10):
        held_on = training_class.planned_start_on + datetime.timedelta(days=day)
        morning = "theory" if day < 4 else "practical"
        for starts_at, kind in ((datetime.time(8, 30), morning), (datetime.time(14, 0), "practical")):
            sessions.append(services.schedule_session(training_class, by=clerk, held_on=held_on, hours=Decimal(4),
                                                      kind=kind, starts_at=starts_at,
                                                      today=training_class.planned_start_on))
    return sessions


def test_sessions_stay_inside_dates_hours_and_8_hours_a_day(clerk, officer):
    training_class = running_class(clerk, officer, trainees=0)
    start = training_class.planned_start_on
    assert code_of(lambda: services.schedule_session(
        training_class, by=clerk, held_on=start - datetime.timedelta(days=1), hours=4, kind="theory",
        today=start - datetime.timedelta(days=1),
    )) == "session_outside_class_dates"
    services.schedule_session(training_class, by=clerk, held_on=start, hours=4, kind="theory",
                              starts_at=datetime.time(8), today=start)
    services.schedule_session(training_class, by=clerk, held_on=start, hours=4, kind="practical",
                              starts_at=datetime.time(13), today=start)
    assert code_of(lambda: services.schedule_session(
        training_class, by=clerk, held_on=start, hours=Decimal("0.5"), kind="theory", starts_at=datetime.time(18),
        today=start,
    )) == "too_many_hours_per_day"


def test_attendance_rate_counts_every_scheduled_hour(clerk, officer):
    """After 2 of 20 sessions, a trainee present at both is at 100 % so far, best reachable 100 %;
    one absent from both can reach only 90 %; absent 13 of 80 hours can no longer reach 85 %."""
    training_class = running_class(clerk, officer)
    sessions = schedule_all(training_class, clerk)
    good, poor, partial = training_class.enrolments.order_by("pk")
    for session in sessions[:2]:
        services.record_attendance(session, by=clerk, now=during(session),
                                   marks={good.pk: True, poor.pk: "缺", partial.pk: "到"})
    services.record_attendance(sessions[2], by=clerk, now=during(sessions[2]),
                               marks={good.pk: "到", poor.pk: "缺", partial.pk: "3.0"})
    sheet = AttendanceSheet(training_class)
    p = training_class.policy_year.params()
    good_standing, poor_standing = sheet.standing(good, p), sheet.standing(poor, p)
    assert (good_standing.rate_so_far, good_standing.best_reachable_rate) == (Decimal(1), Decimal(1))
    assert poor_standing.rate_so_far == Decimal(0)
    assert poor_standing.best_reachable_rate == Decimal("0.8500")
    assert poor_standing.can_still_meet
    services.record_attendance(sessions[3], by=clerk, now=during(sessions[3]),
                               marks={good.pk: True, poor.pk: "3.5", partial.pk: True})
    poor_standing = AttendanceSheet(training_class).standing(poor, p)
    assert poor_standing.best_reachable_rate == Decimal("0.8437")
    assert not poor_standing.can_still_meet
    assert sheet.standing(partial, p).attended_hours == Decimal("11.0")


def test_attendance_refusals(clerk, officer):
    training_class = running_class(clerk, officer)
    sessions = schedule_all(training_class, clerk)
    enrolment = training_class.enrolments.first()
    stranger = factories.EnrolmentFactory()
    assert code_of(lambda: services.record_attendance(sessions[0], by=clerk, now=county_moment(date(2018, 5, 31)),
                                                      marks={enrolment.pk: True})) == "attendance_not_open"
    assert code_of(lambda: services.record_attendance(sessions[0], by=clerk, now=during(sessions[0]),
                                                      marks={stranger.pk: True})) == "not_enrolled"
    assert code_of(lambda: services.record_attendance(sessions[0], by=clerk, now=during(sessions[0]),
                                                      marks={enrolment.pk: "9"})) == "mark_invalid"


def test_the_same_sheet_twice_gives_the_same_marks(clerk, officer):
    training_class = running_class(clerk, officer)
    session = schedule_all(training_class, clerk)[0]
    marks = {e.pk: True for e in training_class.enrolments.all()}
    assert services.record_attendance(session, by=clerk, now=during(session), marks=marks) == (3, 0)
    assert services.record_attendance(session, by=clerk, now=during(session), marks=marks) == (0, 0)
    first = next(iter(marks))
    assert services.record_attendance(session, by=clerk, now=during(session), marks={first: False}) == (0, 1)
    assert session.attendance.count() == 3
    assert session.attendance.get(enrolment_id=first).history.count() == 2


def test_completion_records_who_met_the_threshold(clerk, officer):
    training_class = running_class(clerk, officer)
    sessions = schedule_all(training_class, clerk)
    good, poor, withdrawn = training_class.enrolments.order_by("pk")
    services.withdraw_enrolment(withdrawn, by=clerk, on=date(2018, 6, 1), reason="身体原因")
    for i, session in enumerate(sessions):
        marks = {good.pk: True, poor.pk: i >= 4}  # poor misses 16 of 80 hours: 80 %
        if session.held_on <= date(2018, 6, 1):
            marks[withdrawn.pk] = True
        if i == len(sessions) - 1:
            assert code_of(lambda: services.complete_class(training_class, by=clerk, today=date(2018, 6, 10))) == (
                "attendance_incomplete")
        services.record_attendance(session, by=clerk, now=during(session), marks=marks)
    assert code_of(lambda: services.complete_class(training_class, by=clerk, today=date(2018, 6, 9))) == (
        "class_not_ended")
    services.complete_class(training_class, by=clerk, today=date(2018, 6, 10))
    training_class.refresh_from_db()
    assert (training_class.status, training_class.completed_on) == ("completed", date(2018, 6, 10))
    good.refresh_from_db(), poor.refresh_from_db(), withdrawn.refresh_from_db()
    assert (good.attendance_rate, good.meets_attendance) == (Decimal("1.0000"), True)
    assert (poor.attendance_rate, poor.meets_attendance) == (Decimal("0.8000"), False)
    assert withdrawn.meets_attendance is None
    assert Enrolment.objects.filter(training_class=training_class).count() == 3


def test_a_class_marked_started_late_completes_with_its_real_dates(clerk, officer):
    """Completion keeps the recorded start and the approved dates (R21: 结业 never re-dates the
    class by its sessions); completed_on is the last day of training."""
    training_class = running_class(clerk, officer, trainees=1)
    training_class.started_on = date(2018, 6, 5)
    training_class.save()
    sessions = schedule_all(training_class, clerk)
    enrolment = training_class.enrolments.get()
    for session in sessions:
        services.record_attendance(session, by=clerk, now=during(session), marks={enrolment.pk: True})
    services.complete_class(training_class, by=clerk, today=date(2018, 6, 30))
    training_class.refresh_from_db()
    assert (training_class.started_on, training_class.completed_on) == (date(2018, 6, 5), date(2018, 6, 10))
    assert (training_class.planned_start_on, training_class.planned_end_on) == (date(2018, 6, 1), date(2018, 6, 10))
