"""The pure rules of self check-in: codes, their rotation, the session's window, the limits."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from checkin import policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "test-secret"


def test_a_code_is_six_unambiguous_characters_fixed_for_its_session_and_step():
    code = policy.rotating_code(secret=SECRET, session_id=7, step=1000)
    assert len(code) == 6 and set(code) <= set(policy.CODE_ALPHABET)
    assert not set("01ILO") & set(policy.CODE_ALPHABET)
    assert code == policy.rotating_code(secret=SECRET, session_id=7, step=1000)
    assert code != policy.rotating_code(secret=SECRET, session_id=8, step=1000)
    assert code != policy.rotating_code(secret=SECRET, session_id=7, step=1001)
    assert code != policy.rotating_code(secret="another", session_id=7, step=1000)


def test_the_current_and_the_previous_code_are_accepted_no_other():
    def code(step):
        return policy.rotating_code(secret=SECRET, session_id=7, step=step)

    assert policy.is_code_current(code=code(100), secret=SECRET, session_id=7, step=100)
    assert policy.is_code_current(code=code(99), secret=SECRET, session_id=7, step=100)
    assert not policy.is_code_current(code=code(98), secret=SECRET, session_id=7, step=100)
    assert not policy.is_code_current(code=code(101), secret=SECRET, session_id=7, step=100)


def test_the_code_changes_every_five_minutes():
    start = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    assert policy.time_step(start) == policy.time_step(start + datetime.timedelta(seconds=299))
    assert policy.time_step(start + datetime.timedelta(seconds=300)) == policy.time_step(start) + 1
    assert policy.step_ends_at(policy.time_step(start), SHANGHAI) == start + datetime.timedelta(minutes=5)


@pytest.mark.parametrize(("typed", "code"), [("abc234", "ABC234"), (" ABC 234 ", "ABC234"), ("ＡＢＣ２３４", "ABC234"),
                                              ("abc-234", "ABC234")])
def test_a_typed_code_is_read_as_the_screen_shows_it(typed, code):
    assert policy.normalise_code(typed) == code


@pytest.mark.parametrize("typed", ["", "ABC23", "ABC2345", "ABC0O1", "ABCI23"])
def test_a_code_that_cannot_be_one_is_refused_with_what_to_do(typed):
    with pytest.raises(ValidationError) as error:
        policy.normalise_code(typed)
    assert error.value.code == "code_malformed"
    assert "重新输入" in error.value.messages[0]


@pytest.mark.parametrize(("typed", "ending"), [("123x", "123X"), ("１２３ｘ", "123X"), (" 0061 ", "0061")])
def test_id_endings_typed_on_a_phone_are_accepted(typed, ending):
    assert policy.normalise_id_ending(typed) == ending


@pytest.mark.parametrize("typed", ["", "12", "12345", "12a4", "X123"])
def test_an_id_ending_that_cannot_be_one_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        policy.normalise_id_ending(typed)
    assert error.value.code == "id_ending_malformed"


def test_a_name_is_required_and_read_without_spaces():
    assert policy.normalise_name(" 张 三 ") == "张三"
    with pytest.raises(ValidationError) as error:
        policy.normalise_name("  ")
    assert error.value.code == "name_required"


def test_a_session_is_on_from_its_start_for_its_hours():
    start, end = policy.session_window(held_on=datetime.date(2026, 12, 1), starts_at=datetime.time(8, 30),
                                       hours=Decimal("4.0"), tz=SHANGHAI)
    assert (start, end) == (datetime.datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI),
                            datetime.datetime(2026, 12, 1, 12, 30, tzinfo=SHANGHAI))
    one_second = datetime.timedelta(seconds=1)
    assert not policy.is_within(moment=start - one_second, window=(start, end))
    assert policy.is_within(moment=start, window=(start, end))
    assert policy.is_within(moment=end - one_second, window=(start, end))
    assert not policy.is_within(moment=end, window=(start, end))


def test_a_session_without_a_start_time_is_on_all_its_day():
    start, end = policy.session_window(held_on=datetime.date(2026, 12, 1), starts_at=None, hours=Decimal("2"),
                                       tz=SHANGHAI)
    assert start == datetime.datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
    assert end == datetime.datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI)


def test_attempts_past_the_limits_are_refused():
    policy.ensure_not_throttled(address_attempts=policy.ATTEMPTS_PER_ADDRESS_PER_MINUTE,
                                code_attempts=policy.ATTEMPTS_PER_CODE_PER_MINUTE)
    for counts in ((policy.ATTEMPTS_PER_ADDRESS_PER_MINUTE + 1, 1), (1, policy.ATTEMPTS_PER_CODE_PER_MINUTE + 1)):
        with pytest.raises(ValidationError) as error:
            policy.ensure_not_throttled(address_attempts=counts[0], code_attempts=counts[1])
        assert error.value.code == "too_many_attempts"
        assert "1分钟后再试" in error.value.messages[0]
