"""Resident ID numbers (GB 11643-1999), masking, registration and R13: pure, no database."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.ids import make_id_number
from trainees.policy import (
    age_on,
    category_held_from,
    ensure_eligible_category,
    ensure_registration_details,
    ensure_working_age,
    mask_id_number,
    mask_name,
    mask_phone,
    may_act_for_township,
    normalise_id_number,
    parse_id_number,
)
from trainees.validators import validate_phone

TODAY = date(2018, 5, 14)
# Published GB 11643 examples: a check digit of X and a check digit of 0.
WITH_X = "11010519491231002X"
VALID = "440524198001010013"


def code_of(call):
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.code


def test_valid_number_with_x_derives_birth_date_and_sex():
    """A valid number ending in X gives its birth date and, from the 17th digit, the sex."""
    info = parse_id_number(WITH_X, today=TODAY)
    assert (info.number, info.birth_on, info.sex) == (WITH_X, date(1949, 12, 31), "F")


def test_valid_number_male():
    info = parse_id_number(VALID, today=TODAY)
    assert (info.birth_on, info.sex, info.region_code) == (date(1980, 1, 1), "M", "440524")


def test_lowercase_x_and_spaces_are_normalised():
    """A lower-case x and spaces anywhere are normalised before checking."""
    assert parse_id_number(" 110105 19491231 002x ", today=TODAY).number == WITH_X


def test_full_width_digits_are_normalised():
    """Full-width digits and a full-width Ｘ (typed with a Chinese IME) become ASCII."""
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert normalise_id_number(full_width) == WITH_X
    assert parse_id_number(full_width, today=TODAY).number == WITH_X


def test_ideographic_space_is_removed():
    assert normalise_id_number("140421\u30001990") == "1404211990"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),  # X expected
        ("440524198001010014", "id_checksum"),
        ("110105491231002", "id_first_generation"),  # 15 digits
        ("11010519491231002", "id_missing_check_digit"),  # trailing X lost
        ("1101051949123100", "id_length"),
        ("1101051949123100211", "id_length"),
        ("11010519491231002Y", "id_characters"),
        ("1.40421E+17", "id_not_text"),
        ("", "id_required"),
        ("991050194912310021", "id_province"),
    ],
)
def test_refusals_have_their_own_code(value, code):
    assert code_of(lambda: parse_id_number(value, today=TODAY)) == code


def test_a_number_from_a_spreadsheet_cell_is_refused():
    """An ID number that reached us as a float or int has already lost digits: refused."""
    assert code_of(lambda: parse_id_number(1.40421199001011e17, today=TODAY)) == "id_not_text"
    assert code_of(lambda: parse_id_number(140421199001011234, today=TODAY)) == "id_not_text"


def test_future_birth_date_is_refused():
    number = make_id_number(birth="20180515")
    assert code_of(lambda: parse_id_number(number, today=TODAY)) == "id_birth_date"
    assert parse_id_number(number, today=date(2018, 5, 15)).birth_on == date(2018, 5, 15)


def test_29_february_only_in_a_leap_year():
    assert parse_id_number(make_id_number(birth="19960229"), today=TODAY).birth_on == date(1996, 2, 29)
    assert code_of(lambda: parse_id_number(make_id_number(birth="19970229"), today=TODAY)) == "id_birth_date"


def test_impossible_month_is_refused():
    assert code_of(lambda: parse_id_number(make_id_number(birth="19901301"), today=TODAY)) == "id_birth_date"


def test_refusal_messages_are_chinese_and_say_what_to_do():
    with pytest.raises(ValidationError) as error:
        parse_id_number("11010519491231002", today=TODAY)
    assert "末位" in error.value.messages[0] and "补全" in error.value.messages[0]


def test_masks():
    assert mask_id_number("14042119900101123X") == "140421********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张小明") == "张*明"
    assert mask_name("张明") == "张*"
    assert mask_name("欧阳小明") == "欧**明"


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [(date(2002, 5, 14), date(2018, 5, 14), 16), (date(2002, 5, 15), date(2018, 5, 14), 15),
     (date(1996, 2, 29), date(2018, 2, 28), 21), (date(1996, 2, 29), date(2018, 3, 1), 22)],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


def test_working_age_boundaries():
    """R13: 16 on the day of enrolment is old enough; one day short is refused."""
    ensure_working_age(birth_on=date(2002, 5, 14), on=TODAY, min_age=16, max_age=60)
    assert code_of(lambda: ensure_working_age(birth_on=date(2002, 5, 15), on=TODAY, min_age=16, max_age=60)) == (
        "under_age"
    )
    assert code_of(lambda: ensure_working_age(birth_on=date(1957, 5, 13), on=TODAY, min_age=16, max_age=60)) == (
        "over_age"
    )
    # 三(一) sets no upper limit: without one, a 70-year-old farmer may train.
    ensure_working_age(birth_on=date(1948, 1, 1), on=TODAY, min_age=16, max_age=None)


def test_no_category_is_refused():
    assert code_of(lambda: ensure_eligible_category([])) == "no_category"
    ensure_eligible_category(["rural_labour"])


@pytest.mark.parametrize(("phone", "valid"), [("13812345678", True), ("0355-5512345", True), ("1381234567", False),
                                              ("12345", False), ("15400000000", False)])
def test_phone_validation(phone, valid):
    if valid:
        validate_phone(phone)
    else:
        with pytest.raises(ValidationError) as error:
            validate_phone(phone)
        assert error.value.code == "phone_invalid"


def test_a_township_acts_for_its_own_trainees_and_hr_for_all():
    """SPEC.md §1: a township official registers only its own township's trainees; HR any."""
    assert may_act_for_township(is_hr=False, own_township_id=3, township_id=3)
    assert not may_act_for_township(is_hr=False, own_township_id=3, township_id=4)
    assert not may_act_for_township(is_hr=False, own_township_id=None, township_id=4)
    assert may_act_for_township(is_hr=True, own_township_id=None, township_id=4)


def refusals_of(**details):
    values = {"name": "张三", "phone": "", "address": "", **details}
    with pytest.raises(ValidationError) as error:
        ensure_registration_details(**values)
    return {field: [e.code for e in errors] for field, errors in error.value.error_dict.items()}


def test_registration_details_at_their_limits():
    """50 characters of name, 20 of phone and 200 of address are accepted; one more is refused."""
    ensure_registration_details(name="张" * 50, phone="13812345678", address="村" * 200)
    assert refusals_of(name="张" * 51) == {"name": ["name_too_long"]}
    assert refusals_of(address="村" * 201) == {"address": ["address_too_long"]}
    assert refusals_of(phone="12345") == {"phone": ["phone_invalid"]}


def test_every_bad_detail_is_refused_at_once_and_unread_cells_are_not_judged():
    """A row learns of all its problems in one pass; None (a cell already reported) is skipped."""
    assert refusals_of(name="张" * 51, phone="12345", address="村" * 201) == {
        "name": ["name_too_long"], "phone": ["phone_invalid"], "address": ["address_too_long"]}
    ensure_registration_details(name=None, phone=None, address=None)


def test_a_category_without_its_date_is_held_from_today():
    assert category_held_from(None, today=TODAY) == TODAY
    assert category_held_from(date(2018, 1, 2), today=TODAY) == date(2018, 1, 2)
