"""The re-check under concurrent writers on PostgreSQL (row locks; skipped on SQLite): deciding
objections, objecting online, removing lines and paying one claim at once never deadlock, and
each line is taken off at most once."""

import datetime

import pytest

from reporting import public
from subsidies import services
from subsidies.models import ClaimLine, ClaimObjection, ClaimStatus
from tests import factories
from tests.courses.test_concurrency import race
from tests.scenarios import START, completed_class

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TODAY = START + datetime.timedelta(days=20)


def on_notice(trainees):
    training_class = completed_class(trainees=trainees)
    reviewer, approver = factories.hr_user("reviewer"), factories.hr_user("approver")
    claim, _ = services.generate_claim(training_class, by=training_class.clerk, instalment="first", today=TODAY)
    services.submit_claim(claim, by=training_class.clerk, today=TODAY)
    services.review_claim(claim, by=reviewer, today=TODAY)
    services.approve_claim(claim, by=approver, today=TODAY)
    services.publicise_claim(claim, by=reviewer, starts_on=TODAY, today=TODAY)
    claim.refresh_from_db()
    return claim, reviewer, approver


def test_deciding_objecting_online_and_making_payable_at_once_never_deadlock():
    claim, reviewer, approver = on_notice(trainees=4)
    lines = list(claim.lines.order_by("pk"))
    day = claim.publicity_starts_on
    objections = [services.record_objection(line, by=reviewer, received_on=day, content="举报未参加培训")
                  for line in lines]
    calls = [
        *(lambda o=o: services.decide_objection(o, by=approver, upheld=True, note="查实,剔除") for o in objections),
        *(lambda line=line: public.submit_public_objection(
            reference=public.line_reference(claim_id=claim.pk, line_id=line.pk), reason="该学员培训期间在外地务工,未到课",
            phone="13912345678", today=day) for line in lines),
        *(lambda o=o: services.decide_objection(o, by=approver, upheld=True, note="重复提交") for o in objections),
    ]
    outcomes = race(calls)
    assert not [outcome for outcome in outcomes if outcome not in {"ok", "objection_closed", "not_on_notice"}]
    assert outcomes.count("ok") >= len(objections)  # every objection decided once
    assert ClaimLine.objects.filter(claim=claim, is_void=True).count() == len(lines)
    for line in lines:
        # removed once: one history row saying so, whatever raced
        assert line.history.filter(history_change_reason="公示异议成立,剔除").count() == 1
    assert ClaimObjection.objects.filter(line__claim=claim, is_upheld=True).count() == len(objections)


def test_twenty_payments_of_one_claim_pay_it_once_and_take_each_failing_line_off_once():
    claim, reviewer, approver = on_notice(trainees=3)
    after = claim.publicity_ends_on + datetime.timedelta(days=1)
    services.mark_payable(claim, by=reviewer, today=after)
    gone = claim.lines.order_by("pk").first()
    gone.enrolment.__class__.objects.filter(pk=gone.enrolment_id).update(is_withdrawn=True, withdrawn_on=START)
    outcomes = race([lambda: services.mark_paid(claim, by=approver, payment_reference="CZ-1", today=after)
                     for _ in range(20)])
    assert outcomes.count("ok") == 1 and set(outcomes) == {"ok", "illegal_transition"}
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    gone.refresh_from_db()
    assert gone.is_void and gone.history.filter(history_change_reason="拨付前复核").count() == 1
    assert claim.total_amount == sum(line.amount for line in claim.lines.filter(is_void=False))


