from django.utils import timezone

from trainees.policy import normalise_id_number, parse_id_number


def validate_id_number(value):
    """Model and form validator: a valid resident ID number as of today in Asia/Shanghai."""
    parse_id_number(value, today=timezone.localdate())


__all__ = ["normalise_id_number", "validate_id_number", "validate_phone"]


def validate_phone(value):
    """A Chinese mobile or landline number (landlines with their area code, e.g. 0355-1234567)."""
    import phonenumbers
    from django.core.exceptions import ValidationError

    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "联系电话 %(value)s 无效:手机号应为11位,座机请带区号(如 0355-1234567)。", code="phone_invalid",
            params={"value": value},
        )
