"""Enrolment under concurrency, on PostgreSQL with real threads: the class row lock (R1) and
the trainee row lock (R16) hold."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses import services
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def approved(capacity, **kwargs):
    training_class = factories.class_application(capacity=capacity, **kwargs)
    clerk = factories.UserFactory()
    services.submit_class_application(training_class, by=clerk)
    services.approve_class(training_class, by=factories.hr_user(f"officer{training_class.pk}"))
    return training_class


def race(calls):
    """Run every call at once from its own thread; return the refusal codes ('ok' on success)."""
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code)
        except Exception as error:  # noqa: BLE001 - a crashed thread must fail the test, not vanish
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == len(calls)
    return outcomes


def enrol_calls(training_class, trainees, clerk):
    return [
        (lambda t=t: services.enrol_trainee(training_class, by=clerk, today=date(2018, 5, 20), id_number=t.id_number))
        for t in trainees
    ]


@pytest.mark.parametrize("round_", range(3))
def test_twenty_clerks_one_last_seat(round_):
    """20 threads enrol 20 different trainees into the last seat: exactly one succeeds."""
    training_class = approved(capacity=1)
    trainees = factories.TraineeFactory.create_batch(20)
    outcomes = race(enrol_calls(training_class, trainees, factories.UserFactory()))
    assert outcomes.count("ok") == 1
    assert outcomes.count("class_full") == 19
    assert training_class.enrolments.count() == 1


def test_fifty_clerks_seven_seats():
    training_class = approved(capacity=7)
    trainees = factories.TraineeFactory.create_batch(50)
    outcomes = race(enrol_calls(training_class, trainees, factories.UserFactory()))
    assert outcomes.count("ok") == 7
    assert outcomes.count("class_full") == 43
    assert training_class.enrolments.filter(is_withdrawn=False).count() == 7


def test_one_trainee_into_overlapping_classes_at_once():
    """Two institutions enrol the same person into overlapping classes at the same moment: one
    succeeds, the other is refused by R16."""
    first, second = approved(capacity=50), approved(capacity=50)
    trainee = factories.TraineeFactory()
    clerk = factories.UserFactory()
    outcomes = race(enrol_calls(first, [trainee], clerk) + enrol_calls(second, [trainee], clerk))
    assert sorted(outcomes) == ["ok", "trainee_in_overlapping_class"]
