"""`reconcile_claims` finds tampering done behind the application's back."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from subsidies import services
from tests import factories
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db
TODAY = START + datetime.timedelta(days=20)


@pytest.fixture
def approved(db):
    training_class = completed_class(trainees=2)
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=factories.hr_user("reviewer"))
    services.approve_claim(claim, by=factories.hr_user("approver"))
    return claim


def test_clean_books_pass(approved):
    out = StringIO()
    call_command("reconcile_claims", stdout=out)
    assert "1 笔申领金额与明细一致" in out.getvalue()


def test_a_tampered_total_is_named(approved):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subsidies_subsidyclaim SET total_amount = total_amount + 100 WHERE id = %s",
                       [approved.pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_claims", stderr=err)
    assert f"申领 #{approved.pk}" in err.getvalue() and "2500.00" in err.getvalue()


def test_a_duplicate_line_slipped_past_the_index_is_named(approved):
    """Someone drops the unique index and copies a line: the reconciliation still catches it."""
    line = approved.lines.first()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX subsidies_claimline_once_per_trainee_class_and_instalment")
        cursor.execute(
            "INSERT INTO subsidies_claimline (claim_id, enrolment_id, instalment, training_days, total_subsidy_amount,"
            " first_amount, second_amount, amount, placement_reward_amount, reason, is_void, void_reason)"
            " SELECT claim_id, enrolment_id, instalment, training_days, total_subsidy_amount, first_amount,"
            " second_amount, amount, placement_reward_amount, reason, is_void, void_reason"
            " FROM subsidies_claimline WHERE id = %s", [line.pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_claims", stderr=err)
    assert f"学员名册 #{line.enrolment_id}" in err.getvalue()


def test_a_line_rewritten_consistently_is_still_caught(approved):
    """A raw edit that keeps total = first + second (so every constraint holds) but does not match
    R6 for the line's days is named."""
    line = approved.lines.first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subsidies_claimline SET total_subsidy_amount = 2000, first_amount = 1600, "
                       "second_amount = 400, amount = 1600 WHERE id = %s", [line.pk])
        cursor.execute("UPDATE subsidies_subsidyclaim SET total_amount = 2800 WHERE id = %s", [approved.pk])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_claims", stderr=err)
    assert f"申领明细 #{line.pk}" in err.getvalue() and "1500.00" in err.getvalue()
