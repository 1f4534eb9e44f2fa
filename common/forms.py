"""Refusals of a service shown where they belong on the form that asked for the change."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_refusal(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put each refusal in `error` beside the field it concerns: a model's field errors
    (full_clean) under that field, a coded refusal under `fields[code]`; a refusal about the
    whole request (or about a field the form does not have) stands above the form."""
    fields = fields or {}

    def target(name):
        return name if name in form.fields else None

    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for one in errors:
                field = name if name != NON_FIELD_ERRORS else fields.get(one.code)
                form.add_error(target(field), one)
        return
    for one in error.error_list:
        form.add_error(target(fields.get(one.code)), one)
