"""Checking in through the service: only during the session, once, only for the roster, with
one answer for every person who does not match, and rate limits kept in the shared cache."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from checkin import policy, services
from checkin.models import CheckIn
from courses.models import ClassStatus
from tests.checkin.conftest import NOW

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def code_at(session, moment):
    return services.current_code(session, now=moment)


def attempt(world, *, name="张三", ending="006X", now=NOW, code=None, address="10.0.0.8", session=None):
    session = session or world.session
    return services.check_in(code=code or code_at(session, now), name=name, id_ending=ending, address=address,
                             now=now)


def refusal(**kwargs):
    with pytest.raises(ValidationError) as error:
        attempt(**kwargs)
    return error.value


def test_an_enrolled_trainee_checks_in_during_the_session(world, cache_backend):
    result = attempt(world)
    assert result.created
    stored = CheckIn.objects.get()
    assert (stored.session, stored.enrolment, stored.checked_in_at, stored.client_address) == (
        world.session, world.zhang, NOW, "10.0.0.8")


def test_a_second_check_in_answers_with_the_first_and_stores_nothing(world, cache_backend):
    first = attempt(world)
    again = attempt(world, now=NOW + 10 * MINUTE)
    assert not again.created and again.check_in.pk == first.check_in.pk
    assert CheckIn.objects.get().checked_in_at == NOW


def test_full_width_characters_and_lower_case_from_a_phone_are_accepted(world, cache_backend):
    code = code_at(world.session, NOW).lower()
    assert attempt(world, name=" 张 三", ending="００６ｘ", code=code).created


def test_the_previous_code_still_works_the_one_before_does_not(world, cache_backend):
    step = datetime.timedelta(seconds=policy.STEP_SECONDS)
    assert attempt(world, code=code_at(world.session, NOW - step)).created
    CheckIn.objects.all().delete()
    error = refusal(world=world, code=code_at(world.session, NOW - 2 * step))
    assert error.code == "code_not_current"


@pytest.mark.parametrize("moment", [datetime.datetime(2026, 12, 1, 8, 29, tzinfo=NOW.tzinfo),
                                    datetime.datetime(2026, 12, 1, 12, 30, tzinfo=NOW.tzinfo),
                                    datetime.datetime(2026, 12, 2, 10, 0, tzinfo=NOW.tzinfo)])
def test_outside_the_session_the_code_of_that_moment_is_refused(world, cache_backend, moment):
    error = refusal(world=world, now=moment, code=code_at(world.session, moment))
    assert error.code == "code_not_current"
    assert "上课时间" in error.messages[0]
    assert not CheckIn.objects.exists()


def test_the_last_minute_of_the_session_is_accepted(world, cache_backend):
    assert attempt(world, now=datetime.datetime(2026, 12, 1, 12, 29, 59, tzinfo=NOW.tzinfo)).created


def test_a_class_not_in_progress_takes_no_check_in(world, cache_backend):
    world.training_class.status = ClassStatus.COMPLETED
    world.training_class.save()
    assert refusal(world=world).code == "code_not_current"


def test_whoever_does_not_match_gets_the_same_answer(world, cache_backend):
    """Not on the roster, withdrawn, wrong name, wrong ID ending, another class's code: one code,
    one message, so the answer never tells who is enrolled."""
    outsider = world.outsider
    errors = [
        refusal(world=world, name=outsider.name, ending=outsider.id_number[-4:]),
        refusal(world=world, name="李四", ending=world.withdrawn.trainee.id_number[-4:]),
        refusal(world=world, name="张四"),
        refusal(world=world, ending="0061"),
        refusal(world=world, session=world.other_session),
    ]
    assert {(e.code, e.messages[0]) for e in errors} == {("not_matched", policy.NOT_MATCHED)}
    assert not CheckIn.objects.exists()


def test_one_check_in_per_trainee_and_session_is_held_by_the_database(world):
    CheckIn.objects.create(session=world.session, enrolment=world.zhang, checked_in_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(session=world.session, enrolment=world.zhang, checked_in_at=NOW + MINUTE)


def test_attempts_from_one_address_are_limited_per_minute(world, cache_backend):
    for _ in range(policy.ATTEMPTS_PER_ADDRESS_PER_MINUTE):
        assert refusal(world=world, name="无此人").code == "not_matched"
    error = refusal(world=world)  # even the right answer, once over the limit
    assert error.code == "too_many_attempts"
    assert not CheckIn.objects.exists()
    assert attempt(world, address="10.0.0.9").created  # another address is not held back
    CheckIn.objects.all().delete()
    assert attempt(world, now=NOW + MINUTE).created  # nor the same one a minute later


def test_malformed_codes_count_against_the_address(world, cache_backend):
    for _ in range(policy.ATTEMPTS_PER_ADDRESS_PER_MINUTE):
        assert refusal(world=world, code="??").code == "code_malformed"
    assert refusal(world=world).code == "too_many_attempts"


def test_attempts_with_one_code_are_limited_per_minute_whatever_the_address(world, cache_backend):
    code = code_at(world.session, NOW)
    for n in range(policy.ATTEMPTS_PER_CODE_PER_MINUTE):
        assert refusal(world=world, name="无此人", code=code, address=f"10.1.{n // 200}.{n % 200}").code == "not_matched"
    assert refusal(world=world, code=code, address="10.2.0.1").code == "too_many_attempts"
