import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.personal_data import normalise_id_number, parse_id_number


def validate_id_number(value):
    """Model and form validator: a valid resident ID number as of today in Asia/Shanghai."""
    parse_id_number(value, today=timezone.localdate())


__all__ = ["normalise_id_number", "validate_id_number", "validate_phone"]


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def validate_phone(value):
    """A Chinese mobile or landline number (landlines with their area code, e.g. 0355-1234567).
    Mobile numbers of the 13x-19x ranges pass on their shape; others go through phonenumbers.
    A value that is not text (a number from a spreadsheet cell) is checked as its digits."""
    value = "" if value is None else str(value)
    if _MOBILE.match(value or "") and not value.startswith(("140", "141", "154")):
        return
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "联系电话 %(value)s 无效:手机号应为11位,座机请带区号(如 0355-1234567)。", code="phone_invalid",
            params={"value": value},
        )
