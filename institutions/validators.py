import re

from django.core.exceptions import ValidationError
from stdnum.cn import uscc

# GB 32100-2015: registration authority and kind (digits or letters, no I O S V Z), six digits of
# the administrative division, nine characters of the organisation code, one check character.
_FORMAT = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$")


def normalise_credit_code(value: str) -> str:
    """Upper case, without spaces or hyphens; a value that is not text is read as its digits.
    Upper-cased before stdnum's clean-up too, so normalising twice gives the same text (ΐ
    upper-cases to a combining accent that the clean-up turns into an apostrophe)."""
    return uscc.compact(("" if value is None else str(value)).upper())


def validate_credit_code(value: str) -> None:
    """A unified social credit code (GB 32100-2015) with a correct check character. Codes
    registered by agriculture (N…, 村集体经济组织) or other authorities (Y…) are accepted."""
    number = normalise_credit_code(value)
    if not _FORMAT.match(number) or uscc.calc_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            "统一社会信用代码 %(value)s 无效:应为18位,且末位校验码正确,请对照营业执照或登记证书核对。",
            code="credit_code_invalid", params={"value": value},
        )
