"""Which claims and vouchers a user may see (SPEC.md §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.scope import scope_of
from subsidies.models import SubsidyClaim

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


def claims_visible_to(user: User | AnonymousUser) -> QuerySet[SubsidyClaim]:
    """HR and supervisors: every claim of their area. Institution: its own. Nobody else sees claims."""
    scope = scope_of(user)
    claims = SubsidyClaim.objects.all()
    if scope.reads_area:
        return claims.filter(scope.area("training_class__county"))
    if scope.is_institution:
        return claims.filter(institution_id=scope.institution_id)
    return claims.none()
