"""No trainee's instalment is claimed twice, whatever is retried at once (PostgreSQL, threads)."""

import datetime

import pytest

from subsidies import services
from subsidies.models import ClaimLine, SubsidyClaim
from tests import factories
from tests.courses.test_concurrency import race
from tests.scenarios import START, completed_class

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TODAY = START + datetime.timedelta(days=20)


def test_twenty_concurrent_generations_make_one_claim():
    training_class = completed_class(trainees=5)
    calls = [lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                             today=TODAY)] * 20
    outcomes = race(calls)
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {"draft_exists"}
    assert SubsidyClaim.objects.count() == 1
    assert ClaimLine.objects.filter(instalment="first").count() == 5


def test_twenty_concurrent_approvals_approve_once():
    training_class = completed_class(trainees=2)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=factories.hr_user("reviewer"))
    approvers = [factories.hr_user(f"approver{i}") for i in range(20)]
    outcomes = race([lambda user=user: services.approve_claim(claim, by=user) for user in approvers])
    assert outcomes.count("ok") == 1
    assert outcomes.count("illegal_transition") == 19
    claim.refresh_from_db()
    assert claim.status == "approved"


def test_a_second_claim_of_the_same_trainees_is_refused_by_the_database():
    """Even a claim generated while another is submitted cannot carry the same trainees."""
    training_class = completed_class(trainees=3)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    outcomes = race([lambda: services.generate_claim(training_class, by=training_class.clerk, instalment="first",
                                                     today=TODAY)] * 10)
    assert set(outcomes) == {"nothing_to_claim"}
    assert ClaimLine.objects.count() == 3
