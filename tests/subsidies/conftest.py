"""What the claim tests share: the two HR officers a claim needs (the four-eyes rule), the code of a
refusal, and two changes made by another path than the services (one person on two rosters, a
class taught at another time)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from certification.models import Certificate
from courses.models import Enrolment, Session, TrainingClass
from tests import factories


@pytest.fixture
def reviewer(db):
    return factories.hr_user("reviewer")


@pytest.fixture
def approver(db):
    return factories.hr_user("approver")


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.error_list[0].code


def same_person(source, target):
    """Put `source`'s only trainee on `target`'s roster instead of its own (another path)."""
    trainee = source.enrolments.get().trainee
    Enrolment.objects.filter(training_class=target).update(trainee=trainee)
    Certificate.objects.filter(enrolment__training_class=target).update(trainee=trainee)
    return trainee


def shift(training_class, days, *, move_certificates=False):
    """Move a completed class and its sessions `days` later (a class taught at another time), and
    read `training_class` again. Its certificates are dated the day the moved class completed or,
    with `move_certificates`, each moves by `days` too."""
    delta = datetime.timedelta(days=days)
    tc = TrainingClass.objects.get(pk=training_class.pk)
    TrainingClass.objects.filter(pk=tc.pk).update(
        planned_start_on=tc.planned_start_on + delta, planned_end_on=tc.planned_end_on + delta,
        started_on=tc.started_on + delta, completed_on=tc.completed_on + delta)
    Session.objects.filter(training_class=tc).update(held_on=F("held_on") + delta)
    certificates = Certificate.objects.filter(enrolment__training_class=tc)
    certificates.update(issued_on=F("issued_on") + delta if move_certificates else tc.completed_on + delta)
    training_class.refresh_from_db()
