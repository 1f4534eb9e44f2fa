from django.utils import timezone

from trainees.policy import normalise_id_number, parse_id_number


def validate_id_number(value):
    """Model and form validator: a valid resident ID number as of today in Asia/Shanghai."""
    parse_id_number(value, today=timezone.localdate())


__all__ = ["normalise_id_number", "validate_id_number"]
