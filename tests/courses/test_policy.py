"""Boundary tables of the class rules R1-R5, R9, R10, R12, R16, R17 (pure, no database)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from courses import policy
from programme.policy import PolicyParams

P = PolicyParams(year=2018)


def codes(call):
    with pytest.raises(ValidationError) as error:
        call()
    return [e.code for e in error.value.error_list]


# R1 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("capacity", "refused"), [(49, False), (50, False), (51, True)])
def test_r1_capacity_at_application(capacity, refused):
    """R1: capacity 49 and 50 are accepted, 51 is refused with the clause quoted."""
    if refused:
        with pytest.raises(ValidationError) as error:
            policy.ensure_capacity_within_limit(capacity=capacity, p=P)
        assert error.value.code == "capacity_over_limit"
        assert "培训班人数不得超过50人" in error.value.messages[0] and "三(五)" in error.value.messages[0]
    else:
        policy.ensure_capacity_within_limit(capacity=capacity, p=P)


@pytest.mark.parametrize(("enrolled", "capacity", "refused"),
                         [(48, 50, False), (49, 50, False), (50, 50, True), (29, 30, False), (30, 30, True),
                          (50, 60, True)])
def test_r1_seat_at_enrolment(enrolled, capacity, refused):
    """The 50th trainee takes the last seat; a 51st is refused (and never beyond N whatever the capacity)."""
    call = lambda: policy.ensure_seat_available(enrolled=enrolled, capacity=capacity, p=P)  # noqa: E731
    if refused:
        assert codes(call) == ["class_full"]
    else:
        call()


# R2 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("running", "approved", "refused"),
    [(0, False, False), (1, False, True), (0, True, False), (1, True, False), (2, True, True)],
)
def test_r2_parallel_classes(running, approved, refused):
    """The second class of one occupation is refused without HR's approval for parallel classes
    and allowed with it; the third is refused either way."""
    call = lambda: policy.ensure_parallel_class_allowed(running=running, has_parallel_approval=approved, p=P)  # noqa: E731
    if refused:
        assert codes(call) == ["parallel_classes"]
    else:
        call()


# R3 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("attended", "scheduled", "meets"),
    [("84.9", "100", False), ("85.0", "100", True), ("85.1", "100", True), ("67", "80", False), ("68", "80", True),
     ("0", "0", False)],
)
def test_r3_attendance_threshold(attended, scheduled, meets):
    """84.9 % is below the threshold, 85.0 % meets it."""
    rate = policy.attendance_rate(attended_hours=Decimal(attended), scheduled_hours=Decimal(scheduled))
    assert policy.meets_attendance(rate=rate, p=P) is meets
    if meets:
        policy.ensure_may_sit_assessment(rate=rate, p=P)
    else:
        assert codes(lambda: policy.ensure_may_sit_assessment(rate=rate, p=P)) == ["attendance_below_threshold"]


def test_r3_denominator_is_every_scheduled_hour():
    """8 of 8 hours attended so far in an 80-hour class is 100 % so far, but only 10 % of the
    class; with 72 hours still to come the best reachable rate is 100 %."""
    standing = policy.attendance_standing(attended_hours=8, recorded_hours=8, scheduled_hours=80, p=P)
    assert standing.rate_so_far == Decimal("1.0000")
    assert standing.best_reachable_rate == Decimal("1.0000")
    assert standing.can_still_meet


def test_r3_a_trainee_who_can_no_longer_reach_85_percent_is_flagged():
    """Absent 13 of 80 hours: even attending everything else gives 83.75 %."""
    standing = policy.attendance_standing(attended_hours=27, recorded_hours=40, scheduled_hours=80, p=P)
    assert standing.best_reachable_rate == Decimal("0.8375")
    assert not standing.can_still_meet
    ok = policy.attendance_standing(attended_hours=28, recorded_hours=40, scheduled_hours=80, p=P)
    assert ok.best_reachable_rate == Decimal("0.8500") and ok.can_still_meet


# R4 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("practical", "outcome"),
    [(649, "refused"), (650, "warned"), (699, "warned"), (700, "clean"), (1000, "clean")],
)
def test_r4_practical_share(practical, outcome):
    """64.9 % refused, 65 % and 69.9 % warned, 70 % clean (of 1000 hours, to test the tenths)."""
    call = lambda: policy.practical_share_warnings(total_hours=1000, practical_hours=practical, p=P)  # noqa: E731
    if outcome == "refused":
        assert codes(call) == ["practical_share_too_low"]
    elif outcome == "warned":
        assert [w.code for w in call()] == ["practical_share_below_target"]
    else:
        assert call() == []


# R5 ----------------------------------------------------------------------------------------

def duration(days=10, hours=80, start=date(2018, 6, 1), end=date(2018, 6, 20)):
    return lambda: policy.ensure_duration(planned_days=days, total_hours=hours, start_on=start, end_on=end, p=P)


def test_r5_days_15_accepted_16_refused():
    duration(days=15, hours=120)()
    assert codes(duration(days=16, hours=120)) == ["too_many_days"]


def test_r5_hours_120_accepted_121_refused():
    duration(days=15, hours=120)()
    assert "too_many_hours" in codes(duration(days=15, hours=121))


def test_r5_more_than_8_hours_a_day_refused():
    """10 days of 80 hours is 8 a day; 81 hours in 10 days is more than 8 on some day."""
    duration(days=10, hours=80)()
    assert codes(duration(days=10, hours=81)) == ["too_many_hours_per_day"]
    policy.ensure_day_hours(hours_that_day=Decimal("8"), p=P)
    assert codes(lambda: policy.ensure_day_hours(hours_that_day=Decimal("8.5"), p=P)) == ["too_many_hours_per_day"]


def test_r5_days_must_fit_between_the_dates():
    assert codes(duration(days=10, start=date(2018, 6, 1), end=date(2018, 6, 9))) == ["days_exceed_dates"]


def test_r5_eighteen_days_refused_with_every_reason():
    """SPEC.md §4: 18 planned days are refused by R5 (all reasons reported at once)."""
    assert set(codes(duration(days=18, hours=144, end=date(2018, 6, 30)))) == {"too_many_days", "too_many_hours"}


def test_check_class_plan_collects_refusals_and_returns_warnings():
    warnings = policy.check_class_plan(capacity=50, planned_days=10, total_hours=80, practical_hours=54,
                                       start_on=date(2018, 6, 1), end_on=date(2018, 6, 10), p=P)
    assert [w.code for w in warnings] == ["practical_share_below_target"]
    refused = codes(lambda: policy.check_class_plan(capacity=51, planned_days=16, total_hours=80, practical_hours=40,
                                                    start_on=date(2018, 6, 1), end_on=date(2018, 6, 30), p=P))
    assert set(refused) == {"capacity_over_limit", "too_many_days", "practical_share_too_low"}


# R9, R10, R12, R17 -------------------------------------------------------------------------

def test_r9_occupation_in_the_years_catalogue_with_a_standard():
    policy.ensure_occupation_eligible(occupation_year=2018, class_year=2018, has_national_standard=True,
                                      has_enterprise_specification=False)
    policy.ensure_occupation_eligible(occupation_year=2018, class_year=2018, has_national_standard=False,
                                      has_enterprise_specification=True)
    assert codes(lambda: policy.ensure_occupation_eligible(
        occupation_year=2017, class_year=2018, has_national_standard=True, has_enterprise_specification=True,
    )) == ["occupation_not_in_catalogue"]
    assert codes(lambda: policy.ensure_occupation_eligible(
        occupation_year=2018, class_year=2018, has_national_standard=False, has_enterprise_specification=False,
    )) == ["occupation_without_standard"]


def test_r10_institution_listed_and_not_disqualified():
    policy.ensure_institution_eligible(is_listed=True, is_disqualified=False, year=2018)
    assert codes(lambda: policy.ensure_institution_eligible(is_listed=False, is_disqualified=False, year=2018)) == [
        "institution_not_listed"]
    assert codes(lambda: policy.ensure_institution_eligible(is_listed=True, is_disqualified=True, year=2018)) == [
        "institution_disqualified"]


def test_r12_class_level_follows_certificate_kind():
    policy.ensure_level_matches_kind(certificate_kind="skill_level", level="5")
    policy.ensure_level_matches_kind(certificate_kind="training", level="")
    assert codes(lambda: policy.ensure_level_matches_kind(certificate_kind="skill_level", level="")) == [
        "level_required"]
    assert codes(lambda: policy.ensure_level_matches_kind(certificate_kind="training", level="5")) == [
        "level_not_applicable"]
    assert codes(lambda: policy.ensure_level_matches_kind(certificate_kind="special_ability", level="5")) == [
        "level_not_applicable"]
    policy.ensure_level_matches_kind(certificate_kind="qualification", level="4")
    policy.ensure_level_matches_kind(certificate_kind="qualification", level="")


def test_r17_application_documents():
    complete = dict(has_roster_plan=True, has_teachers=True, has_syllabus=True, has_teaching_plan=True,
                    textbook_count=1, has_assessment_plan=True)
    policy.ensure_application_complete(**complete)
    with pytest.raises(ValidationError) as error:
        policy.ensure_application_complete(**{**complete, "textbook_count": 0, "has_syllabus": False})
    assert error.value.code == "application_incomplete"
    assert "教学大纲" in error.value.messages[0] and "教材" in error.value.messages[0]


# R16 ---------------------------------------------------------------------------------------

def prior(code="2018-001", start=date(2018, 5, 1), end=date(2018, 5, 10), year=2018, key="焊工", rank=None):
    return policy.PriorTraining(class_code=code, start_on=start, end_on=end, year=year, occupation_key=key,
                                level_rank=rank)


def may_enrol(others, start=date(2018, 6, 1), end=date(2018, 6, 10), key="电工", rank=None, year=2018):
    return lambda: policy.ensure_trainee_may_enrol(start_on=start, end_on=end, year=year, occupation_key=key,
                                                   level_rank=rank, others=others, p=P)


def test_r16_overlapping_class_refused_adjacent_allowed():
    assert codes(may_enrol([prior(start=date(2018, 6, 10), end=date(2018, 6, 20))])) == [
        "trainee_in_overlapping_class"]
    may_enrol([prior(start=date(2018, 5, 20), end=date(2018, 5, 31))])()


def test_r16_fourth_training_in_a_year_refused():
    three = [prior(code=f"2018-00{i}", start=date(2018, i, 1), end=date(2018, i, 10), key=f"工种{i}")
             for i in (2, 3, 4)]
    may_enrol(three[:2])()
    assert codes(may_enrol(three)) == ["yearly_training_cap"]
    last_year = [prior(code=f"2017-00{i}", start=date(2017, i, 1), end=date(2017, i, 10), year=2017, key=f"工种{i}")
                 for i in (2, 3, 4)]
    may_enrol(last_year)()


def test_r16_same_occupation_same_level_refused_higher_level_allowed():
    assert codes(may_enrol([prior(key="焊工", rank=1)], key="焊工", rank=1)) == ["same_occupation_and_level"]
    may_enrol([prior(key="焊工", rank=1)], key="焊工", rank=2)()
    assert codes(may_enrol([prior(key="焊工", rank=2)], key="焊工", rank=1)) == ["lower_level_than_before"]
    assert codes(may_enrol([prior(key="焊工")], key="焊工")) == ["same_occupation_and_level"]


def test_level_rank_orders_the_five_levels():
    assert [policy.level_rank(v) for v in ("5", "4", "3", "2", "1", "")] == [1, 2, 3, 4, 5, None]


# Status ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("current", "target"),
    [("draft", "approved"), ("draft", "in_progress"), ("submitted", "in_progress"), ("approved", "completed"),
     ("completed", "cancelled"), ("rejected", "submitted"), ("cancelled", "draft"), ("closed", "completed")],
)
def test_illegal_transitions_refused(current, target):
    assert codes(lambda: policy.ensure_transition(current, target)) == ["illegal_transition"]


@pytest.mark.parametrize(
    ("current", "target"),
    [("draft", "submitted"), ("submitted", "approved"), ("submitted", "returned"), ("returned", "submitted"),
     ("approved", "in_progress"), ("in_progress", "completed"), ("completed", "closed"), ("in_progress", "cancelled")],
)
def test_legal_transitions(current, target):
    assert policy.ensure_transition(current, target) is None  # no refusal


def test_completion_gate():
    policy.ensure_may_complete(today=date(2018, 6, 10), end_on=date(2018, 6, 10), session_count=20, unrecorded=0)
    assert codes(lambda: policy.ensure_may_complete(today=date(2018, 6, 9), end_on=date(2018, 6, 10),
                                                    session_count=20, unrecorded=0)) == ["class_not_ended"]
    assert codes(lambda: policy.ensure_may_complete(today=date(2018, 6, 11), end_on=date(2018, 6, 10),
                                                    session_count=20, unrecorded=3)) == ["attendance_incomplete"]
