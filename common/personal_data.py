"""A person's data as every page, file and log shows it: the resident ID number (GB 11643-1999)
parsed and masked, phones normalised and masked, names masked (SPEC.md §2, §5). The one home of
masking; pure functions, values in and out, ValidationError(code=...) on a bad number."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from stdnum.cn import ric

# Province-level codes of GB/T 2260 that prefix every resident ID number.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    }
)
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_on: date
    sex: str  # "M" or "F"
    region_code: str

    def age_on(self, day: date) -> int:
        return age_on(self.birth_on, day)


def age_on(birth_on: date, day: date) -> int:
    """Completed years of age on `day` (a birthday on 29 February falls on 1 March)."""
    years = day.year - birth_on.year
    if (day.month, day.day) < (birth_on.month, birth_on.day):
        years -= 1
    return years


def normalise_id_number(value: object) -> str:
    """The ID number as stored: no spaces, ASCII digits, upper-case X.

    Full-width digits and letters (１４０４２１…Ｘ) become ASCII; spaces of any width anywhere are
    removed. A number (int or float) is refused: a spreadsheet has already lost its last digits.
    Normalising twice gives the same text (the folding is repeated until it settles: upper-casing
    can leave text that NFKC composes again, e.g. ΐ).
    """
    if isinstance(value, bool | int | float):
        raise ValidationError(
            "身份证号被表格当作数字保存,末几位已经丢失:请将身份证号列设置为\"文本\"格式后重新填写。",
            code="id_not_text",
        )
    text = str(value or "")
    for _ in range(5):  # any text settles within three rounds
        folded = "".join(unicodedata.normalize("NFKC", text).split()).upper()
        if folded == text:
            break
        text = folded
    return text


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts ٣, ፩ and other scripts' digits."""
    return text.isascii() and text.isdigit()


def parse_id_number(value: object, *, today: date) -> IdNumber:
    """Validate a resident ID number (GB 11643-1999) and derive the birth date and sex.

    Refuses, each with its own code: a number in scientific notation (Excel), a 15-digit
    first-generation number, 17 digits (a trailing X lost), any other length or character, an
    unknown province, an impossible or future birth date, a wrong check digit.
    """
    number = normalise_id_number(value)
    if not number:
        raise ValidationError("请填写身份证号。", code="id_required")
    if _SCIENTIFIC.match(number):
        raise ValidationError(
            "身份证号 %(value)s 被表格变成了科学计数法,末几位已经丢失:请将该列设置为\"文本\"格式后重新填写。",
            code="id_not_text",
            params={"value": number},
        )
    if len(number) == 15 and _digits(number):
        raise ValidationError(
            "这是15位的第一代身份证号,已于2013年停止使用:请填写18位第二代居民身份证号。", code="id_first_generation"
        )
    if len(number) == 17 and _digits(number):
        raise ValidationError(
            "身份证号只有17位:末位的校验码(可能是X)缺失,请对照身份证补全。", code="id_missing_check_digit"
        )
    if len(number) != 18:
        raise ValidationError(
            "身份证号应为18位,当前为%(length)d位:请对照身份证核对。", code="id_length", params={"length": len(number)}
        )
    if not (_digits(number[:17]) and (_digits(number[17]) or number[17] == "X")):
        raise ValidationError("身份证号前17位应为数字,末位为数字或X:请对照身份证核对。", code="id_characters")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError("身份证号前两位 %(code)s 不是有效的省级代码:请核对。", code="id_province",
                              params={"code": number[:2]})
    try:
        birth_on = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            "身份证号第7至14位 %(digits)s 不是有效的出生日期:请核对。", code="id_birth_date", params={"digits": number[6:14]}
        ) from None
    if birth_on > today or birth_on.year < 1900:
        raise ValidationError(
            "身份证号中的出生日期 %(birth)s 不可能成立:请核对。", code="id_birth_date",
            params={"birth": birth_on.isoformat()},
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError("身份证号校验码不正确(末位应与前17位相符):请对照身份证逐位核对。", code="id_checksum")
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_on=birth_on, sex=sex, region_code=number[:6])


def mask_id_number(number: str) -> str:
    """140421********123X: the first 6 and last 4 characters (SPEC.md §2)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def may_see_full_id_number(*, is_hr: bool, viewer_township_id: int | None, trainee_township_id: int) -> bool:
    """SPEC.md §2: "The full ID number is shown only to county HR staff and to the trainee's own
    township, on the trainee's page, and each such view is recorded." Everyone else, everywhere
    else, sees it masked."""
    return is_hr or (viewer_township_id is not None and viewer_township_id == trainee_township_id)


def mask_phone(phone: str) -> str:
    """138****5678: the first 3 and last 4 digits (SPEC.md §2)."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[1-9][0-9]{8,10}$")
_DIGIT_RUN = re.compile(r"[0-9]{7,}")


def normalise_phone(value: object) -> str:
    """A phone number as digits: 13812345678 from "+86 138-1234-5678" or "８６13812345678",
    03551234567 from "0355-1234567"; "" when the text is not a mobile or a landline with its area
    code (SPEC.md §2: a phone is personal data, searched only by POST)."""
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value or "")))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    return text if _MOBILE.match(text) or _LANDLINE.match(text) else ""


def looks_like_phone(text: str) -> bool:
    """True when `text` holds 7 or more digits, whatever stands between them (spaces, dashes,
    slashes, stars): a phone (or a long part of one, or of an ID number) that must not go into a
    URL. Names hold no digits."""
    return bool(_DIGIT_RUN.search(re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", str(text or "")))))


def phone_spellings(phone: str) -> list[str]:
    """The ways a normalised phone may have been typed and stored ("13812345678", "138-1234-5678",
    "+86 138 1234 5678", "0355-1234567", …), for an exact match through the index on the column."""
    if _MOBILE.match(phone):
        spaced, dashed = f"{phone[:3]} {phone[3:7]} {phone[7:]}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        return [phone, spaced, dashed, *(f"{prefix}{rest}" for prefix in ("+86", "+86 ", "86", "+86-")
                                          for rest in (phone, spaced, dashed))]
    if _LANDLINE.match(phone):
        area = phone[:3] if phone[1] in "12" else phone[:4]  # 010 and 02x have three digits
        rest = phone[len(area):]
        return [phone, f"{area}-{rest}", f"{area} {rest}", f"({area}){rest}", f"（{area}）{rest}"]
    return []


def mask_name(name: str) -> str:
    """张*明 on public pages: the first and the last character, the middle starred (SPEC.md §2)."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def person_label(*, name: str, id_number: str, name_visible: bool) -> str:
    """How a person is named wherever a list, preview or file names someone: 张三丰(140421********123X)
    when the name may be shown (SPEC.md §2: county HR, and a township for its own people), else
    张*丰(140421********123X). The ID number is always masked here; the full number is shown only
    on the trainee's page, on request."""
    return f"{name if name_visible else mask_name(name)}({mask_id_number(id_number)})"
