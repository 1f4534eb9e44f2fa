"""Shared admin behaviour for the HR back office."""

import re

from trainees.policy import normalise_id_number

_ID_LIKE = re.compile(r"^[0-9]{17}[0-9X]$")


class IdNumberSearchMixin:
    """An 18-character resident ID number typed into the search box is matched exactly through
    the unique index (full-width digits, spaces and a lower-case x are normalised first);
    anything else falls back to the ordinary `search_fields`."""

    id_number_lookup = "id_number"

    def get_search_results(self, request, queryset, search_term):
        term = normalise_id_number(search_term)
        if _ID_LIKE.match(term):
            return queryset.filter(**{self.id_number_lookup: term}), False
        return super().get_search_results(request, queryset, search_term)


def masked_id_column(lookup, description="身份证号"):
    """A list column showing the related trainee's ID number masked (SPEC.md §2)."""
    from django.contrib import admin

    from trainees.policy import mask_id_number

    @admin.display(description=description, ordering=lookup.replace(".", "__"))
    def column(self, obj):
        value = obj
        for part in lookup.split("."):
            value = getattr(value, part)
        return mask_id_number(value)

    return column
