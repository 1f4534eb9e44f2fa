"""The two supervision checks issue 15 adds for money patterns (《实施方案》三(七) 系统监测):
employment recorded before it began (R23) and a lower level after a higher certificate (R16)."""

import datetime

import pytest
from django.utils import timezone

from certification.models import Certificate, EmploymentRecord
from courses.models import Enrolment, TrainingClass
from institutions.models import FlagKind
from reporting import flags
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db
END = START + datetime.timedelta(days=9)


def at(day, clock):
    return timezone.make_aware(datetime.datetime.combine(day, clock))


def job(enrolment, *, started_on, recorded_at):
    record = EmploymentRecord.objects.create(
        trainee=enrolment.trainee, enrolment=enrolment, employer_name="长治县某公司",
        employer_credit_code=factories.credit_code(11), started_on=started_on, evidence_kind="contract")
    EmploymentRecord.objects.filter(pk=record.pk).update(recorded_at=recorded_at)
    return record


def found(check):
    return [(kind, key, class_id, trainee_id) for kind, key, _, _, _, class_id, trainee_id in check()]


def test_employment_recorded_before_it_began_is_found_on_the_countys_date():
    tc = completed_class(trainees=3)
    same_day, next_day, late_evening = tc.enrolments.order_by("pk")
    job(same_day, started_on=datetime.date(2018, 7, 2), recorded_at=at(datetime.date(2018, 7, 2), datetime.time(9)))
    advance = job(next_day, started_on=datetime.date(2018, 7, 3),
                  recorded_at=at(datetime.date(2018, 7, 2), datetime.time(9)))
    # 23:30 in Shanghai on 2 July is 15:30 UTC the same day: a job from the 3rd is still in advance
    evening = job(late_evening, started_on=datetime.date(2018, 7, 3),
                  recorded_at=at(datetime.date(2018, 7, 2), datetime.time(23, 30)))
    assert sorted(found(flags.employment_in_advance)) == sorted([
        (FlagKind.EMPLOYMENT_IN_ADVANCE, str(advance.pk), tc.pk, next_day.trainee_id),
        (FlagKind.EMPLOYMENT_IN_ADVANCE, str(evening.pk), tc.pk, late_evening.trainee_id)])


def test_a_lower_level_after_a_higher_certificate_is_found_by_the_certificates_date():
    higher = completed_class(trainees=1)
    lower = completed_class(trainees=1, occupation=higher.occupation)
    trainee = higher.enrolments.get().trainee
    Enrolment.objects.filter(training_class=lower).update(trainee=trainee)
    Certificate.objects.filter(enrolment__training_class=lower).update(trainee=trainee)
    TrainingClass.objects.filter(pk=higher.pk).update(level="4")
    later = {"planned_start_on": END + datetime.timedelta(days=30), "started_on": END + datetime.timedelta(days=30),
             "planned_end_on": END + datetime.timedelta(days=39), "completed_on": END + datetime.timedelta(days=39)}
    TrainingClass.objects.filter(pk=lower.pk).update(level="5", **later)
    certificate = Certificate.objects.get(enrolment__training_class=higher)
    Certificate.objects.filter(pk=certificate.pk).update(kind="qualification", level="4")
    # the 中级 certificate came before the 初级 class started: found, once
    enrolment = lower.enrolments.get()
    assert found(flags.lower_level_after_higher) == [
        (FlagKind.LOWER_LEVEL_AFTER_HIGHER, str(enrolment.pk), lower.pk, trainee.pk)]
    # a certificate obtained after the lower class started is progress, not a finding
    Certificate.objects.filter(pk=certificate.pk).update(issued_on=END + datetime.timedelta(days=31))
    assert found(flags.lower_level_after_higher) == []
    # nor is the same level (R16's other refusal), nor another occupation's higher level
    Certificate.objects.filter(pk=certificate.pk).update(issued_on=END, level="5")
    assert found(flags.lower_level_after_higher) == []
