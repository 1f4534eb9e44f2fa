"""R16 at enrolment by dates and certificates, not by the order of enrolment (issue 15 item 2):
only subsidised trainings count, so a trainee who failed or withdrew and was never paid may train
again in the same occupation and level; a lower level after a higher one is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certification import services as certification
from certification.models import Certificate
from courses import policy
from courses import services as courses
from courses.models import Enrolment, TrainingClass
from programme.policy import PolicyParams
from tests import factories
from tests.imports.corpus import sheet
from tests.scenarios import START, approved_class, completed_class, county_moment

pytestmark = pytest.mark.django_db
P = PolicyParams(year=2018)


def later_class(after, *, level="", days=40, institution=None):
    """An approved class of the same occupation `days` after `after`, with its own clerk."""
    institution = institution or after.institution
    clerk = factories.institution_user(institution, username=f"clerk-later-{after.pk}-{days}")
    officer = factories.hr_user(f"officer-later-{after.pk}-{days}")
    start = START + datetime.timedelta(days=days)
    tc = approved_class(clerk, officer, policy_year=after.policy_year, institution=institution,
                        occupation=after.occupation, planned_start_on=start,
                        planned_end_on=start + datetime.timedelta(days=9))
    if level:
        TrainingClass.objects.filter(pk=tc.pk).update(level=level)
        tc.refresh_from_db()
    tc.clerk = clerk
    return tc


def enrol(tc, trainee):
    return courses.enrol_trainee(tc, by=tc.clerk, today=tc.planned_start_on - datetime.timedelta(days=3),
                                 id_number=trainee.id_number)


def codes(call):
    with pytest.raises(ValidationError) as error:
        call()
    return [e.code for e in error.value.error_list]


def test_a_trainee_who_failed_and_was_never_paid_may_train_again():
    earlier = completed_class(trainees=1, certified=False)
    enrolment = earlier.enrolments.get()
    certification.record_assessment(enrolment, by=earlier.clerk, result="failed", assessed_on=earlier.end_on)
    again = later_class(earlier)
    assert enrol(again, enrolment.trainee).trainee_id == enrolment.trainee_id


def test_a_trainee_still_waiting_for_the_result_may_not_enrol_at_the_same_level():
    earlier = completed_class(trainees=1, certified=False)
    trainee = earlier.enrolments.get().trainee
    assert codes(lambda: enrol(later_class(earlier), trainee)) == ["same_occupation_and_level"]


def test_a_certified_trainee_may_not_repeat_the_level():
    earlier = completed_class(trainees=1)
    trainee = earlier.enrolments.get().trainee
    assert codes(lambda: enrol(later_class(earlier), trainee)) == ["same_occupation_and_level"]


def test_a_trainee_who_withdrew_unpaid_may_train_again():
    earlier = completed_class(trainees=2)
    gone = earlier.enrolments.order_by("pk").first()
    Enrolment.objects.filter(pk=gone.pk).update(is_withdrawn=True, withdrawn_on=earlier.planned_start_on)
    Certificate.objects.filter(enrolment=gone).delete()
    assert enrol(later_class(earlier), gone.trainee).trainee_id == gone.trainee_id


def test_a_lower_level_after_a_higher_one_is_refused_at_enrolment():
    earlier = completed_class(trainees=1)
    TrainingClass.objects.filter(pk=earlier.pk).update(level="4")  # 中级工
    trainee = earlier.enrolments.get().trainee
    assert codes(lambda: enrol(later_class(earlier, level="5"), trainee)) == ["lower_level_than_before"]
    other = factories.TrainingInstitutionFactory()  # R2: one running class of the occupation per institution
    assert enrol(later_class(earlier, level="3", days=60, institution=other), trainee).trainee_id == trainee.pk


def test_the_rule_judges_a_lower_level_by_the_dates():
    """Pure R16: a lower level is refused after a higher one that started on or before it, not
    before one that starts later."""
    higher_later = policy.PriorTraining(class_code="B", start_on=datetime.date(2018, 9, 1),
                                        end_on=datetime.date(2018, 9, 10), year=2018, occupation_key="焊工",
                                        level_rank=2)
    higher_same_day = policy.PriorTraining(class_code="C", start_on=datetime.date(2018, 6, 1),
                                           end_on=datetime.date(2018, 6, 10), year=2018, occupation_key="焊工",
                                           level_rank=2)
    args = {"start_on": datetime.date(2018, 6, 1), "end_on": datetime.date(2018, 6, 10), "year": 2018,
            "occupation_key": "焊工", "level_rank": 1, "p": P}
    assert policy.r16_refusals(others=[higher_later], **args) == []
    assert [e.code for e in policy.r16_refusals(
        others=[higher_same_day], **{**args, "end_on": datetime.date(2018, 6, 10)})] == [
        "trainee_in_overlapping_class", "lower_level_than_before"]


def test_only_counted_trainings_count_for_the_cap_and_the_level():
    failed = [policy.PriorTraining(class_code=f"F{i}", start_on=datetime.date(2018, i, 1),
                                   end_on=datetime.date(2018, i, 10), year=2018, occupation_key="焊工",
                                   level_rank=None, counts=False) for i in (2, 3, 4)]
    assert policy.r16_refusals(start_on=datetime.date(2018, 6, 1), end_on=datetime.date(2018, 6, 10), year=2018,
                               occupation_key="焊工", level_rank=None, others=failed, p=P) == []
    overlapping_failed = [policy.PriorTraining(class_code="X", start_on=datetime.date(2018, 6, 5),
                                               end_on=datetime.date(2018, 6, 15), year=2018,
                                               occupation_key="电工", level_rank=None, counts=False)]
    assert [e.code for e in policy.r16_refusals(
        start_on=datetime.date(2018, 6, 1), end_on=datetime.date(2018, 6, 10), year=2018, occupation_key="焊工",
        level_rank=None, others=overlapping_failed, p=P)] == ["trainee_in_overlapping_class"]


# The same rule through the enrol page and the roster sheet -----------------------------------

def on_the_day_before(monkeypatch, client, tc):
    moment = county_moment(tc.planned_start_on - datetime.timedelta(days=3), datetime.time(10))
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    client.force_login(tc.clerk)


@pytest.mark.parametrize("failed", [True, False])
def test_the_enrol_page_accepts_a_trainee_who_failed_and_refuses_one_who_passed(client, monkeypatch, failed):
    earlier = completed_class(trainees=1, certified=not failed)
    enrolment = earlier.enrolments.get()
    if failed:
        certification.record_assessment(enrolment, by=earlier.clerk, result="failed", assessed_on=earlier.end_on)
    again = later_class(earlier)
    on_the_day_before(monkeypatch, client, again)
    response = client.post(reverse("courses:enrol", args=[again.pk]), {"id_number": enrolment.trainee.id_number})
    enrolled = again.enrolments.filter(trainee=enrolment.trainee).exists()
    if failed:
        assert response.status_code == 302 and enrolled
    else:
        assert response.status_code == 400 and not enrolled
        assert "同一职业(工种)同一等级" in response.content.decode() and earlier.code in response.content.decode()


@pytest.mark.parametrize("failed", [True, False])
def test_the_roster_sheet_reads_r16_as_the_enrol_page_does(client, monkeypatch, failed):
    earlier = completed_class(trainees=1, certified=not failed)
    enrolment = earlier.enrolments.get()
    if failed:
        certification.record_assessment(enrolment, by=earlier.clerk, result="absent", assessed_on=earlier.end_on)
    again = later_class(earlier)
    on_the_day_before(monkeypatch, client, again)
    url = reverse("courses:import-roster", args=[again.pk])
    trainee = enrolment.trainee
    preview = client.post(url, {"file": sheet(["身份证号", "培训券号", "姓名"], [(trainee.id_number, "", trainee.name)])})
    plan, batch = preview.context["plan"], preview.context["batch"]
    if failed:
        assert plan.is_clean
        assert client.post(url, {"batch": batch.pk}).status_code == 302
        assert again.enrolments.filter(trainee=trainee).exists()
    else:
        assert [e.row for e in plan.errors] == [2] and "同一等级" in plan.errors[0].reason
        assert client.post(url, {"batch": batch.pk}).status_code == 400
        assert not again.enrolments.exists()
