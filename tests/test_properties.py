"""Property-based tests of every parser and normaliser of user input.

The issue's properties: any input gives a value or a clear refusal, never an exception (a clear
refusal is a ValidationError, or the import's SheetError, whose every message is non-empty
Simplified Chinese); valid ID numbers built from random 17-digit bodies always pass; every
single-character change of a valid ID number is refused; normalisation is idempotent; masking
never reveals more than the first 6 and last 4 characters of an ID number or the first 3 and last 4
of a phone number; full-width and space-padded forms of a valid ID number parse to the same number.

Every input tried is counted; pytest's closing summary prints the total as "bad inputs tried".
"""

import datetime
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from stdnum.cn import ric, uscc

from certification.imports import EmploymentImport, ResultsImport
from certification.views import parse_date
from common.excel import FORMULA_STARTS, cell_value, safe_cell
from common.imports import (
    CheckedUpload,
    Column,
    RowError,
    SheetError,
    SheetImport,
    clean_text,
    display,
    parse_cell,
)
from common.uploads import guard_xlsx, read_rows
from courses.imports import RosterImport, _looks_like_a_date
from courses.models import Enrolment
from courses.services import parse_mark
from institutions.validators import normalise_credit_code, validate_credit_code
from programme.policy import PolicyParams
from subsidies.policy import split_instalments, training_subsidy
from subsidies.views import amount_in_words
from tests import factories
from tests.ids import make_id_number
from trainees.fields import IdNumberFormField
from trainees.forms import RegistrationForm
from trainees.imports import TraineeRegistration
from trainees.models import Education, Trainee, TraineeCategory
from trainees.policy import (
    PROVINCE_CODES,
    IdNumber,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    parse_id_number,
)
from trainees.validators import validate_id_number, validate_phone

TODAY = datetime.date(2025, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ID_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]\Z")
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HAN = re.compile(r"[\u4e00-\u9fff]")
# Traditional-only forms of characters the messages use: a Simplified message never contains them.
TRADITIONAL = set("請號證據無數錯為個輸對應該這們時會學員聯電話區實間與從當須")

TRIED = Counter()


def settings_for(examples, **kwargs):
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], **kwargs)


class InputsTried:
    """Adds the number of inputs the properties were tried on to pytest's closing summary."""

    def pytest_terminal_summary(self, terminalreporter):
        if not TRIED:
            return
        terminalreporter.write_sep("-", f"property tests: {sum(TRIED.values())} bad inputs tried")
        for name, count in sorted(TRIED.items()):
            terminalreporter.write_line(f"{count:>7}  {name}")


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried(request):
    if not request.config.pluginmanager.has_plugin("property-inputs-tried"):
        request.config.pluginmanager.register(InputsTried(), "property-inputs-tried")


def assert_clear_message(message):
    """A message as shown: non-empty and Chinese (it may quote what was typed, in any script)."""
    assert isinstance(message, str) and message.strip(), repr(message)
    assert HAN.search(message), f"not Chinese: {message!r}"


def assert_clear_refusal(error):
    """A ValidationError (or the import's SheetError) whose every message is non-empty Chinese;
    a ValidationError's own wording is Simplified and has every parameter it names."""
    assert isinstance(error, ValidationError | SheetError), type(error)
    if isinstance(error, SheetError):
        assert_clear_message(error.message)
        return
    assert error.messages
    for message in error.messages:
        assert_clear_message(message)
    for item in error.error_list:
        template = str(item.message)
        assert HAN.search(template) and not (set(template) & TRADITIONAL), template
        assert item.params or "%(" not in template, template


def value_or_refusal(function, *args, **kwargs):
    """The function's value, or None after checking that its refusal is clear; any other
    exception propagates and fails the test."""
    try:
        return function(*args, **kwargs)
    except (ValidationError, SheetError) as error:
        assert_clear_refusal(error)
        return None


def refused(function, *args, **kwargs):
    with pytest.raises(ValidationError) as caught:
        function(*args, **kwargs)
    assert_clear_refusal(caught.value)
    return caught.value


def codes(error):
    return {e.code for e in error.error_list}


def revealed(masked):
    return len(masked) - masked.count("*")


# --- strategies -----------------------------------------------------------------------------------

DIGITS = "0123456789"
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in DIGITS + "Xx"}
BLANKS = [" ", "\u3000", "\t", "\xa0", "\n", "\u2002"]


@st.composite
def valid_ids(draw, today=TODAY):
    """(number, birth date, sex): a province code, four more region digits, a real birth date
    not after `today`, three sequence digits, and the GB 11643 check digit."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    region = draw(st.text(DIGITS, min_size=4, max_size=4))
    birth = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=today))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{province}{region}{birth:%Y%m%d}{sequence}"
    number = first17 + ric.calc_check_digit(first17 + "0")  # stdnum ignores the 18th character
    return number, birth, "M" if int(sequence[-1]) % 2 else "F"


@st.composite
def disguised(draw, number):
    """The number as a clerk may type or paste it: full-width digits, a lower-case or full-width
    x, spaces of any width anywhere."""
    out = []
    for char in number:
        if draw(st.booleans()):
            char = FULL_WIDTH[char]
        if char in "X" + FULL_WIDTH["X"] and draw(st.booleans()):
            char = draw(st.sampled_from(["x", FULL_WIDTH["x"]]))
        out.append(draw(st.text(st.sampled_from(BLANKS), max_size=2)) + char)
    return "".join(out) + draw(st.text(st.sampled_from(BLANKS), max_size=3))


ID_LIKE_TEXT = st.text(st.sampled_from(list(DIGITS + "Xx -.E+") + list(FULL_WIDTH.values()) + BLANKS
                                       + ["٣", "፩", "²", "①", "𝟗"]), max_size=24)
SPECIAL_TEXT = st.sampled_from([
    "", " ", "\u3000", "NaN", "sNaN", "-nan", "Infinity", "-inf", "1e999999999", "-1E+999999", "0e999999",
    "1_000", "١٢٣", "1.10105194912312E+17", "1.1010519491231e+17", "110105194912310", "11010519491231002",
    "2018年5月14日", "2018/5/14", "2018.5.14", "20180514", "2018-02-30", "0000-01-01", "18/5/14",
    "0355-1234567", "13812345678", "１３８１２３４５６７８", "+86 138 1234 5678", "None", "True",
    "=1+1", "@SUM(A1)", "\x00", "\ud7ff", "ΐ", "ß", "ﬀ", "ǅ", "İ", "到", "缺", "√", "×",
])
INTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what a spreadsheet reader can deliver
SPECIAL_DECIMALS = st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("Infinity"),
                                    Decimal("1E+999999999"), Decimal("-0"), Decimal("0E+999999")])
CELLS = st.one_of(
    st.none(), st.text(), SPECIAL_TEXT, ID_LIKE_TEXT, INTS, st.floats(), st.booleans(), st.dates(),
    st.datetimes(), st.datetimes(timezones=st.just(SHANGHAI)), st.decimals(), SPECIAL_DECIMALS, st.times(),
    st.timedeltas(),
)
ARABIC_INDIC_ID = (lambda n: n[:2] + "".join(chr(0x0660 + int(c)) for c in n[2:17]) + n[17])(
    make_id_number(region="110105"))
MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True).filter(lambda s: not s.startswith(("140", "141", "154")))


def date_texts(day):
    y, m, d = day.year, day.month, day.day
    return [f"{y}-{m:02d}-{d:02d}", f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}/{m:02d}/{d:02d}", f"{y}年{m}月{d}日",
            f"{y}年{m:02d}月{d:02d}日", f"{y}.{m}.{d}", f"{y}{m:02d}{d:02d}"]


# --- resident ID numbers (trainees.policy) ----------------------------------------------------------


@settings_for(300)
@given(value=st.one_of(CELLS, st.lists(st.integers()), st.binary()))
def test_normalise_id_number_gives_text_or_refuses_numbers(value):
    TRIED["normalise_id_number"] += 1
    result = value_or_refusal(normalise_id_number, value)
    if isinstance(value, bool | int | float):
        assert result is None  # refused: a number has lost its last digits
        refused_error = refused(normalise_id_number, value)
        assert codes(refused_error) == {"id_not_text"}
    else:
        assert isinstance(result, str)
        assert not any(c.isspace() for c in result)
        assert "x" not in result


@settings_for(300)
@given(text=st.one_of(st.text(), ID_LIKE_TEXT, SPECIAL_TEXT))
@example(text="ΐ")  # upper-cases to Ι + two combining accents, which NFKC composes again
@example(text="e \u0301")  # the space removed, the accent composes with the e
def test_normalise_id_number_is_idempotent(text):
    TRIED["normalise_id_number idempotent"] += 1
    once = normalise_id_number(text)
    assert normalise_id_number(once) == once


@settings_for(400)
@given(value=st.one_of(CELLS, ID_LIKE_TEXT, ID_LIKE_TEXT.map(lambda s: "11" + s), st.text(DIGITS + "X", min_size=18,
                                                                                          max_size=18)),
       today=st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 1, 1)))
@example(value=ARABIC_INDIC_ID, today=TODAY)  # str.isdigit() and int() accept other scripts' digits
@example(value="1101051990010100\u1369" + "1", today=TODAY)  # ፩ passes isdigit() but not int()
def test_parse_id_number_gives_a_valid_number_or_a_clear_refusal(value, today):
    TRIED["parse_id_number (any input)"] += 1
    info = value_or_refusal(parse_id_number, value, today=today)
    if info is None:
        return
    assert isinstance(info, IdNumber)
    assert ID_SHAPE.match(info.number) and info.number.isascii()
    assert info.number == normalise_id_number(value)
    assert info.number[:2] in PROVINCE_CODES
    assert ric.calc_check_digit(info.number) == info.number[17]
    assert datetime.date(1900, 1, 1) <= info.birth_on <= today
    assert info.birth_on == datetime.datetime.strptime(info.number[6:14], "%Y%m%d").date()
    assert info.sex == ("M" if int(info.number[16]) % 2 else "F")


@settings_for(300)
@given(generated=valid_ids())
def test_valid_ids_from_random_17_digit_bodies_always_pass(generated):
    TRIED["parse_id_number (valid bodies)"] += 1
    number, birth, sex = generated
    info = parse_id_number(number, today=TODAY)
    assert (info.number, info.birth_on, info.sex, info.region_code) == (number, birth, sex, number[:6])
    validate_id_number(number)  # the model and form validator agrees (as of the real today)


@settings_for(300)
@given(birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY), sequence=st.integers(0, 499),
       male=st.booleans(), region=st.sampled_from(["140421", "110105", "650102", "810000"]))
def test_ids_built_like_the_test_factories_pass(birth, sequence, male, region):
    TRIED["parse_id_number (tests.ids.make_id_number)"] += 1
    number = make_id_number(birth=f"{birth:%Y%m%d}", sequence=sequence, region=region, male=male)
    info = parse_id_number(number, today=TODAY)
    assert (info.birth_on, info.sex) == (birth, "M" if male else "F")


@settings_for(40)
@given(generated=valid_ids())
def test_every_single_character_change_of_a_valid_id_is_refused(generated):
    number = generated[0]
    for position in range(18):
        for replacement in DIGITS + "X":
            if replacement == number[position]:
                continue
            TRIED["parse_id_number (single-character changes)"] += 1
            changed = number[:position] + replacement + number[position + 1:]
            error = refused(parse_id_number, changed, today=TODAY)
            if replacement != "X" or position == 17:  # another digit (or X as the check digit)
                assert codes(error) & {"id_checksum", "id_province", "id_birth_date"}, (changed, codes(error))


@settings_for(120)
@given(data=st.data(), generated=valid_ids())
def test_full_width_and_space_padded_forms_parse_to_the_same_number(data, generated):
    TRIED["parse_id_number (full-width, padded)"] += 1
    number = generated[0]
    typed = data.draw(disguised(number))
    assert normalise_id_number(typed) == number
    assert parse_id_number(typed, today=TODAY) == parse_id_number(number, today=TODAY)
    assert IdNumberFormField(max_length=18).clean(typed) == number


@settings_for(200)
@given(generated=valid_ids(), as_float=st.booleans())
def test_an_id_number_that_a_spreadsheet_turned_into_a_number_is_refused(generated, as_float):
    TRIED["parse_id_number (numbers)"] += 1
    number = generated[0]
    if number.endswith("X"):
        number = number[:-1] + "0"
    value = float(number) if as_float else int(number)
    assert codes(refused(parse_id_number, value, today=TODAY)) == {"id_not_text"}
    assert codes(refused(parse_id_number, f"{float(number):.14E}", today=TODAY)) == {"id_not_text"}
    assert codes(refused(parse_id_number, str(float(number)), today=TODAY)) <= {"id_not_text", "id_length"}
    assert codes(refused(parse_cell, Column("身份证号", "id", kind="id_number"), value)) == {"id_not_text"}


@settings_for(300)
@given(value=st.one_of(CELLS, ID_LIKE_TEXT))
def test_validate_id_number_passes_or_refuses_clearly(value):
    TRIED["validate_id_number"] += 1
    value_or_refusal(validate_id_number, value)


# --- masking ----------------------------------------------------------------------------------------


@settings_for(300)
@given(text=st.one_of(st.text(), ID_LIKE_TEXT), generated=valid_ids())
def test_masked_id_numbers_show_at_most_the_first_6_and_last_4(text, generated):
    TRIED["mask_id_number"] += 1
    for value in (text, generated[0]):
        masked = mask_id_number(value)
        assert len(masked) == len(value) and revealed(masked) <= 10
        for index, char in enumerate(masked):
            if 6 <= index < len(value) - 4 or len(value) <= 10:
                assert char == "*"
            else:
                assert char == value[index]
    number = generated[0]
    assert mask_id_number(number) == number[:6] + "*" * 8 + number[-4:]


@settings_for(300)
@given(text=st.one_of(st.text(), MOBILES, SPECIAL_TEXT))
def test_masked_phones_show_at_most_the_first_3_and_last_4(text):
    TRIED["mask_phone"] += 1
    masked = mask_phone(text)
    assert len(masked) == len(text) and revealed(masked) <= 7
    for index, char in enumerate(masked):
        if 3 <= index < len(text) - 4 or len(text) <= 7:
            assert char == "*"
        else:
            assert char == text[index]


@settings_for(200)
@given(name=st.text())
def test_masked_names_show_at_most_the_first_and_last_character(name):
    TRIED["mask_name"] += 1
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert len(name) <= 1 or revealed(masked) <= 2
    if len(name) >= 2:
        assert masked[0] == name[0] and set(masked[1:-1]) <= {"*"}


# --- phone numbers (trainees.validators, the import's phone cells) ---------------------------------


@settings_for(250)
@given(value=st.one_of(st.none(), st.text(), SPECIAL_TEXT, INTS, MOBILES, st.from_regex(r"0[1-9][0-9]{1,2}-?[0-9]{7,8}",
                                                                                          fullmatch=True)))
@example(value=13812345678)  # a number cell
def test_validate_phone_passes_or_refuses_clearly(value):
    TRIED["validate_phone"] += 1
    value_or_refusal(validate_phone, value)


@settings_for(200)
@given(mobile=MOBILES)
def test_mobile_numbers_of_the_13x_to_19x_ranges_pass(mobile):
    TRIED["validate_phone (mobiles)"] += 1
    validate_phone(mobile)
    column = Column("联系电话", "phone", kind="phone")
    assert parse_cell(column, mobile) == mobile
    assert parse_cell(column, int(mobile)) == mobile  # a number cell keeps a mobile intact
    assert parse_cell(column, float(mobile)) == mobile
    assert parse_cell(column, " ".join([mobile[:3], mobile[3:7], mobile[7:]])) == mobile
    assert mask_phone(mobile) == mobile[:3] + "****" + mobile[-4:]


# Area codes: 2 digits after the 0 for the big cities (020-029), 3 elsewhere (0351, 0355 ...);
# local numbers of 7 or 8 digits starting 2-8.
LANDLINES = st.from_regex(r"0(2[0-9][2-8][0-9]{7}|[3-9][0-9]{2}[2-8][0-9]{6,7})", fullmatch=True)


@settings_for(120)
@given(landline=LANDLINES, beijing=st.from_regex(r"010[2-8][0-9]{7}", fullmatch=True))
def test_landlines_that_lost_their_leading_zero_in_a_number_cell_are_refused(landline, beijing):
    TRIED["parse_cell phone (landline numbers)"] += 1
    column = Column("联系电话", "phone", kind="phone")
    assert codes(refused(parse_cell, column, int(landline))) == {"phone_not_text"}  # the spreadsheet dropped the 0
    assert codes(refused(parse_cell, column, float(landline))) == {"phone_not_text"}
    assert parse_cell(column, landline) == landline
    # Beijing's 010 without its 0 reads like a mobile prefix: kept as text, then valid or clearly refused.
    assert parse_cell(column, int(beijing)) == beijing[1:]
    value_or_refusal(validate_phone, beijing[1:])


# --- unified social credit codes (institutions.validators) ------------------------------------------


@st.composite
def valid_credit_codes(draw):
    head = draw(st.text(CREDIT_ALPHABET, min_size=2, max_size=2))
    division = draw(st.text(DIGITS, min_size=6, max_size=6))
    organisation = draw(st.text(CREDIT_ALPHABET, min_size=9, max_size=9))
    body = head + division + organisation
    return body + uscc.calc_check_digit(body)


@settings_for(300)
@given(value=st.one_of(CELLS, st.text(CREDIT_ALPHABET + " -", max_size=22)))
@example(value=91140421)  # a number cell
@example(value="ΐ")  # its upper case ends in a combining accent, which stdnum turns into an apostrophe
def test_credit_codes_pass_or_are_refused_clearly_and_normalise_idempotently(value):
    TRIED["validate_credit_code / normalise_credit_code"] += 1
    value_or_refusal(validate_credit_code, value)
    normalised = normalise_credit_code(value)
    assert isinstance(normalised, str)
    assert normalise_credit_code(normalised) == normalised


@settings_for(25)
@given(code=valid_credit_codes(), data=st.data())
def test_valid_credit_codes_pass_in_any_typing_and_every_single_change_is_refused(code, data):
    TRIED["validate_credit_code (valid)"] += 1
    validate_credit_code(code)
    separators = data.draw(st.lists(st.sampled_from([" ", "-", "\u3000"]), min_size=18, max_size=18))
    typed = "".join(s + (c.lower() if data.draw(st.booleans()) else c) for s, c in zip(separators, code, strict=True))
    validate_credit_code(typed)
    assert normalise_credit_code(typed) == code
    for position in range(18):
        for replacement in CREDIT_ALPHABET:
            if replacement != code[position]:
                TRIED["validate_credit_code (single-character changes)"] += 1
                refused(validate_credit_code, code[:position] + replacement + code[position + 1:])


# --- cells of the spreadsheet import (common.imports) ---------------------------------------

KINDS = {
    "id_number": Column("身份证号", "id_number", kind="id_number"),
    "phone": Column("联系电话", "phone", required=False, kind="phone"),
    "date": Column("日期", "day", kind="date"),
    "integer": Column("月数", "months", required=False, kind="integer"),
    "decimal": Column("成绩", "score", required=False, kind="decimal"),
    "choice": Column("结果", "result", kind="choice", choices=("合格", "不合格"), values=("passed", "failed")),
    "text": Column("姓名", "name"),
    "masked": Column("电话号码", "other_phone", required=False, masked=True),
}


def assert_cell_value(column, value, result):
    """The type each kind of column hands to the importer."""
    if result is None:
        assert not column.required
        assert value is None or (isinstance(value, str) and not value.strip())
        return
    kind = column.kind
    if kind == "id_number":
        assert isinstance(result, str) and normalise_id_number(result) == result
    elif kind in ("phone", "text"):
        assert isinstance(result, str) and result == result.strip()
    elif kind == "date":
        assert type(result) is datetime.date
    elif kind == "integer":
        assert type(result) is int and abs(result) < 10**18
    elif kind == "decimal":
        assert isinstance(result, Decimal) and result.is_finite()
    elif kind == "choice":
        assert result in column.values


@settings_for(400)
@given(kind=st.sampled_from(sorted(KINDS)), value=CELLS, required=st.booleans())
@example(kind="integer", value=Decimal("sNaN"), required=True)  # comparing a signalling NaN raises
@example(kind="integer", value="Infinity", required=True)  # int() of it raises OverflowError
@example(kind="integer", value="1e999999999", required=True)  # int() of it would run for hours
@example(kind="decimal", value="NaN", required=True)  # not a number to record
def test_every_cell_gives_a_value_or_a_clear_refusal(kind, value, required):
    TRIED["parse_cell (any cell, any kind)"] += 1
    column = KINDS[kind]
    column = Column(column.header, column.key, required=required, kind=column.kind, choices=column.choices,
                    values=column.values, masked=column.masked)
    try:
        result = parse_cell(column, value)
    except ValidationError as error:
        assert_clear_refusal(error)
    else:
        assert_cell_value(column, value, result)
    shown = display(column, value)  # what the preview shows of a refused cell
    assert isinstance(shown, str)
    if column.kind == "id_number":
        assert revealed(shown) <= 10
    elif column.kind == "phone" or column.masked:
        assert revealed(shown) <= 7


@settings_for(300)
@given(value=CELLS)
def test_clean_text_is_stripped_normalised_and_idempotent(value):
    TRIED["clean_text"] += 1
    text = clean_text(value)
    assert isinstance(text, str) and text == text.strip()
    assert unicodedata.is_normalized("NFKC", text)
    assert clean_text(text) == text


@settings_for(300)
@given(day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)), data=st.data())
def test_dates_in_every_accepted_writing_give_the_same_day(day, data):
    TRIED["parse_cell date (accepted writings)"] += 1
    column = KINDS["date"]
    text = data.draw(st.sampled_from(date_texts(day)))
    if data.draw(st.booleans()):  # typed with a full-width input method: ２０１８／５／１４
        text = "".join(chr(ord(c) + 0xFEE0) if c in DIGITS + "-/." else c for c in text)
    padded = data.draw(st.sampled_from(["", " ", "\u3000"])) + text + data.draw(st.sampled_from(["", " ", "\u3000"]))
    assert parse_cell(column, padded) == day
    moment = datetime.datetime.combine(day, data.draw(st.times()))
    assert parse_cell(column, moment) == day  # a date cell (naive datetime)
    assert parse_cell(column, day) == day
    assert parse_date(f"{day:%Y-%m-%d}") == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert _looks_like_a_date(f"{day:%Y-%m-%d}")


@settings_for(300)
@given(text=st.one_of(st.text(), SPECIAL_TEXT))
def test_date_text_is_a_day_or_a_clear_refusal(text):
    TRIED["parse_date / _looks_like_a_date"] += 1
    result = value_or_refusal(parse_date, text)
    assert result is None or type(result) is datetime.date
    assert _looks_like_a_date(text) in (True, False)


@settings_for(200)
@given(number=st.one_of(st.integers(-(10**17), 10**17), st.decimals(allow_nan=False, allow_infinity=False,
                                                                      max_value=10**12, min_value=-(10**12))))
def test_numbers_are_read_as_written(number):
    TRIED["parse_cell integer/decimal (numbers)"] += 1
    if isinstance(number, int):
        assert parse_cell(KINDS["integer"], number) == number
        assert parse_cell(KINDS["integer"], str(number)) == number
        assert parse_cell(KINDS["decimal"], number) == number
    else:
        assert parse_cell(KINDS["decimal"], str(number)) == number
        if number == number.to_integral_value():
            assert parse_cell(KINDS["integer"], number) == int(number)
        else:
            assert codes(refused(parse_cell, KINDS["integer"], number)) == {"integer_invalid"}


# --- whole rows of the spreadsheet import -----------------------------------------------------------


class EveryKind(SheetImport):
    title = "各类列"
    columns = list(KINDS.values())


PLAUSIBLE = {
    "身份证号": st.one_of(valid_ids().map(lambda g: g[0]), valid_ids().map(lambda g: g[0].lower() + " ")),
    "联系电话": st.one_of(MOBILES, MOBILES.map(int), st.just("0355-1234567")),
    "日期": st.dates(min_value=datetime.date(1990, 1, 1)).flatmap(lambda d: st.sampled_from([d, *date_texts(d)])),
    "结果": st.sampled_from(["合格", "不合格", " 合格 "]),
}


def rows_for(headers, plausible):
    """A header row (in any order, sometimes with an extra, missing or blank header) and data rows
    of cells of every type a spreadsheet reader delivers, with some plausible values mixed in."""

    def cell(header):
        return st.one_of(CELLS, plausible[header]) if header in plausible else CELLS

    @st.composite
    def build(draw):
        order = draw(st.permutations(headers))
        if draw(st.integers(0, 9)) == 0:
            order = draw(st.lists(st.one_of(st.sampled_from(headers), st.text(max_size=4), st.none()),
                                  max_size=len(headers) + 1))
        mixed = st.tuples(*[cell(h) if isinstance(h, str) else CELLS for h in order]).flatmap(
            lambda row: st.integers(0, len(row) + 1).map(lambda n: row[:n] + (None,) * max(0, n - len(row))))
        likely = st.tuples(*[plausible.get(h, CELLS) if isinstance(h, str) else CELLS for h in order])
        data = draw(st.lists(st.one_of(mixed, likely, likely), max_size=6))
        return [tuple(order), *data]

    return build()


def parse_rows(importer, rows):
    with mock.patch("common.imports.read_rows", return_value=rows):
        return importer.parse(CheckedUpload(name="表.xlsx", content=b""))


def assert_parsed(importer, rows, outcome):
    if outcome is None:  # a clear SheetError
        return
    parsed, errors = outcome
    headers = [c.header for c in importer.columns]
    columns = {c.header: c for c in importer.columns}
    bad = {(e.row, e.column) for e in errors}
    for error in errors:
        assert isinstance(error, RowError)
        assert 2 <= error.row <= len(rows) and error.column in headers
        assert_clear_message(error.reason)
        column = columns[error.column]
        if column.kind == "id_number":
            assert revealed(error.value) <= 10
        elif column.kind == "phone" or column.masked:
            assert revealed(error.value) <= 7
    for item in parsed:
        assert set(item) == {"_row", *(c.key for c in importer.columns)}
        row = rows[item["_row"] - 1]
        for column in importer.columns:
            if (item["_row"], column.header) not in bad:
                index = list(rows[0]).index(column.header)
                assert_cell_value(column, row[index] if index < len(row) else None, item[column.key])


def parse_or_refuse(importer, rows):
    try:
        return parse_rows(importer, rows)
    except SheetError as error:
        assert_clear_refusal(error)
        return None


@settings_for(120)
@given(rows=rows_for([c.header for c in EveryKind.columns], PLAUSIBLE))
def test_random_rows_give_parsed_items_or_clear_row_errors(rows):
    TRIED["SheetImport.parse (random rows)"] += 1
    importer = EveryKind(user=None)
    outcome = parse_or_refuse(importer, rows)
    if outcome is not None and len(set(rows[0])) == len(rows[0]):
        assert_parsed(importer, rows, outcome)


def the_real_importers():
    """The import sheets whose columns can be built without a database."""
    no_class = SimpleNamespace(enrolments=SimpleNamespace(select_related=lambda *args: []))
    return [RosterImport(user=None, training_class=None), ResultsImport(user=None, training_class=no_class),
            EmploymentImport(user=None, enrolments=Enrolment.objects.none())]


@settings_for(90)
@given(data=st.data(), which=st.integers(0, 2))
def test_random_rows_of_the_roster_results_and_employment_sheets(data, which):
    TRIED["Roster/Results/Employment parse (random rows)"] += 1
    importer = the_real_importers()[which]
    plausible = {"身份证号": PLAUSIBLE["身份证号"], "考核日期": PLAUSIBLE["日期"], "就业日期": PLAUSIBLE["日期"],
                 "考核结果": st.sampled_from(["合格", "不合格"]), "理论成绩": st.sampled_from(["85.5", 90, 72.5])}
    rows = data.draw(rows_for([c.header for c in importer.columns], plausible))
    outcome = parse_or_refuse(importer, rows)
    if outcome is not None and len(set(rows[0])) == len(rows[0]):
        assert_parsed(importer, rows, outcome)


def sheet_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Cells a real workbook can hold (no control characters, finite numbers, dates Excel can show).
WORKBOOK_CELLS = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20), SPECIAL_TEXT.filter(
        lambda s: s.isprintable()), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9),
)


@settings_for(25)
@given(data=st.data())
def test_random_rows_through_a_real_workbook_give_items_or_clear_refusals(data):
    TRIED["guard_xlsx + read_rows + parse (real workbooks)"] += 1
    headers = [c.header for c in EveryKind.columns]
    order = data.draw(st.permutations(headers))
    body = data.draw(st.lists(st.lists(st.one_of(WORKBOOK_CELLS, *[PLAUSIBLE[h] for h in order if h in PLAUSIBLE]),
                                       min_size=len(order), max_size=len(order)), max_size=5))
    checked = guard_xlsx(SimpleUploadedFile("表.xlsx", sheet_bytes([order, *body])))
    importer = EveryKind(user=None)
    try:
        parsed, errors = importer.parse(checked)
    except (SheetError, ValidationError) as error:
        assert_clear_refusal(error)
        return
    for error in errors:
        assert_clear_message(error.reason)
    assert len(parsed) <= len(body)


TEMPLATE = None


def template_bytes():
    global TEMPLATE
    if TEMPLATE is None:
        TEMPLATE = sheet_bytes([[c.header for c in EveryKind.columns],
                                [make_id_number(), "13812345678", "2018/5/14", 6, "85.5", "合格", "张三", None]])
    return TEMPLATE


@settings_for(150)
@given(data=st.data())
def test_damaged_or_foreign_files_are_read_or_refused_clearly(data):
    TRIED["guard_xlsx + read_rows (damaged files)"] += 1
    content = bytearray(template_bytes())
    how = data.draw(st.sampled_from(["flip", "truncate", "random", "name"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    elif how == "truncate":
        content = content[:data.draw(st.integers(0, len(content) - 1))]
    elif how == "random":
        content = bytearray(data.draw(st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b""]))
                            + data.draw(st.binary(max_size=300)))
    name = data.draw(st.sampled_from(["表.xlsx", "表.XLSX", "表.xls", "表.csv", "", "表.xlsx.exe"]))
    upload = SimpleNamespace(name=name, size=len(content), read=BytesIO(bytes(content)).read)
    checked = value_or_refusal(guard_xlsx, upload)
    if checked is None:
        return
    rows = value_or_refusal(read_rows, checked)
    if rows is not None:
        assert all(isinstance(row, tuple) for row in rows)
        parse_or_refuse_file(rows)


@settings_for(60)
@given(data=st.data(), field=st.sampled_from([6, 10]), value=st.integers(0, 65535))
@example(data=None, field=6, value=64)  # "version needed to extract: 6.4" (ZipFile() raises NotImplementedError)
@example(data=None, field=10, value=99)  # compression method 99 (opening the part raises NotImplementedError)
def test_any_version_or_compression_method_in_the_zip_directory_is_read_or_refused(data, field, value):
    """Bytes 6-7 of a central directory entry give the zip version needed, 10-11 the method."""
    TRIED["guard_xlsx (zip directory fields)"] += 1
    content = bytearray(template_bytes())
    entries = [m.start() for m in re.finditer(b"PK\x01\x02", bytes(content))]
    entry = data.draw(st.sampled_from(entries)) if data is not None else entries[0]
    content[entry + field:entry + field + 2] = value.to_bytes(2, "little")
    upload = SimpleNamespace(name="表.xlsx", size=len(content), read=BytesIO(bytes(content)).read)
    checked = value_or_refusal(guard_xlsx, upload)
    if checked is not None:
        value_or_refusal(read_rows, checked)


def parse_or_refuse_file(rows):
    outcome = parse_or_refuse(EveryKind(user=None), rows)
    if outcome is not None:
        for error in outcome[1]:
            assert_clear_message(error.reason)


# --- the trainee registration sheet end to end (parse and check), against the database -----------


def fits_the_table(trainee):
    for field in Trainee._meta.concrete_fields:
        value = getattr(trainee, field.attname)
        if getattr(field, "max_length", None) and isinstance(value, str):
            assert len(value) <= field.max_length, (field.name, value)


@pytest.mark.django_db
def test_random_rows_of_the_trainee_registration_sheet_are_planned_or_refused_clearly():
    township = factories.TownshipFactory(name="韩店镇")
    existing = factories.TraineeFactory(township=township)
    importer = TraineeRegistration(user=factories.hr_user())
    plausible = {
        "身份证号": st.one_of(PLAUSIBLE["身份证号"], st.just(existing.id_number)),
        "姓名": st.one_of(st.sampled_from(["张三", "李四", "王五"]), st.text(min_size=45, max_size=55)),
        "联系电话": st.one_of(PLAUSIBLE["联系电话"], st.sampled_from([
            "0355-1234567", "(0355)1234567", "+86 355 123 4567", "0355-1234567-12345678", "0355 - 1234567 - 8888",
            "+86-0355-1234567 ext. 1234567", "1381234567８"])),
        "所属乡镇": st.sampled_from(["韩店镇", "韩店镇 ", "外乡镇"]),
        "文化程度": st.sampled_from([label for _, label in Education.choices]),
        "培训对象类别": st.sampled_from([label for _, label in TraineeCategory.choices]),
        "类别起始日期": PLAUSIBLE["日期"],
        "住址": st.one_of(st.just("韩店村"), st.text(min_size=195, max_size=210)),
    }

    headers = tuple(c.header for c in importer.columns)
    long_address = [headers, (make_id_number(sequence=7), "张三", None, "韩店镇", None, "农村劳动力", None, "韩" * 201)]
    long_phone = [headers, (make_id_number(sequence=8), "张三", "+86-0355-1234567ext.1234567", "韩店镇", None,
                            "农村劳动力", None, None)]

    @settings_for(50)
    @given(rows=rows_for([c.header for c in importer.columns], plausible))
    @example(rows=long_address)  # written in bulk: PostgreSQL refuses the 201st character at COPY
    @example(rows=long_phone)  # a valid number with an extension, 27 characters for a 20-character column
    def run(rows):
        TRIED["TraineeRegistration.plan (random rows, database)"] += 1
        with mock.patch("common.imports.read_rows", return_value=rows):
            plan = importer.plan(CheckedUpload(name="学员登记.xlsx", content=b""))
        for error in plan.errors:
            assert_clear_message(error.reason)
            if error.column == "身份证号":
                assert revealed(error.value) <= 10
        for _row, who, reason in plan.skipped:
            assert_clear_message(reason)
            assert mask_id_number(existing.id_number) in who and existing.id_number not in who
        for trainee, category, held_from in plan.items:
            assert parse_id_number(trainee.id_number, today=TODAY).number == trainee.id_number
            assert category in TraineeCategory.values and isinstance(held_from, datetime.date)
            if trainee.phone:
                validate_phone(trainee.phone)
            fits_the_table(trainee)  # PostgreSQL refuses an over-long value at write time

    run()


# --- attendance marks, amounts ----------------------------------------------------------------------


@settings_for(250)
@given(value=st.one_of(st.text(), SPECIAL_TEXT, st.booleans(), st.decimals().map(str), st.floats().map(str)),
       hours=st.decimals(min_value=Decimal("0.5"), max_value=Decimal("12"), places=1))
@example(value="NaN", hours=Decimal(8))  # 0 < NaN raises InvalidOperation
def test_attendance_marks_are_read_or_refused_clearly(value, hours):
    TRIED["parse_mark"] += 1
    result = value_or_refusal(parse_mark, value, hours)
    if result is not None:
        present, partial = result
        assert present in (True, False)
        assert partial is None or (present and partial.is_finite() and Decimal(0) < partial < hours)
        # A number is hours, never a whole day: it reads as 到 only when it is the session's hours.
        text = value.strip() if isinstance(value, str) else value
        if present and partial is None and text not in ("到", "√", True):
            assert Decimal(text) == hours


@settings_for(300)
@given(total=st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
       days=st.integers(0, 400))
def test_amounts_split_to_the_fen_and_read_in_words(total, days):
    TRIED["split_instalments / training_subsidy / amount_in_words"] += 1
    p = PolicyParams(year=2018)
    first, second = split_instalments(total, p=p)
    assert first + second == total and first >= 0 and second >= 0
    assert first == first.quantize(Decimal("0.01")) and second == second.quantize(Decimal("0.01"))
    subsidy = training_subsidy(days=days, p=p)
    assert subsidy == subsidy.quantize(Decimal("0.01")) and subsidy >= 0
    assert subsidy <= training_subsidy(days=days + 1, p=p)
    assert_clear_message(amount_in_words(total))


@settings_for(300)
@given(value=st.one_of(st.none(), st.text(), SPECIAL_TEXT, st.text().map(lambda s: "=" + s), INTS, st.booleans(),
                       st.dates(), st.datetimes(timezones=st.just(SHANGHAI)),
                       st.decimals(allow_nan=False, allow_infinity=False, places=2)))
def test_exported_text_never_starts_like_a_formula(value):
    TRIED["safe_cell / cell_value"] += 1
    for out in (safe_cell(value), cell_value(value)):
        if isinstance(out, str):
            assert not out.startswith(FORMULA_STARTS)


# --- forms ------------------------------------------------------------------------------------------


@settings_for(200)
@given(data=st.fixed_dictionaries({}, optional={
    "id_number": st.one_of(st.text(), ID_LIKE_TEXT, valid_ids().map(lambda g: g[0])),
    "name": st.text(), "phone": st.one_of(st.text(), MOBILES), "category": st.one_of(
        st.text(), st.sampled_from(TraineeCategory.values)), "held_from": st.one_of(st.text(), SPECIAL_TEXT),
    "education": st.text(), "address": st.text()}))
def test_the_registration_form_accepts_or_refuses_clearly(data):
    TRIED["RegistrationForm"] += 1
    form = RegistrationForm(data=data)
    if form.is_valid():
        number = form.cleaned_data["id_number"]
        assert len(number) <= 18 and normalise_id_number(number) == number
        return
    for messages in form.errors.values():
        for message in messages:
            assert_clear_message(message)
