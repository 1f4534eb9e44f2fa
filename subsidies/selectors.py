"""Which claims and vouchers a user may see (SPEC.md §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from accounts.scope import scope_of
from subsidies.models import SubsidyClaim, Voucher

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


def claims_visible_to(user: User | AnonymousUser) -> QuerySet[SubsidyClaim]:
    """HR: every claim. Institution: its own. Nobody else sees claims."""
    scope = scope_of(user)
    claims = SubsidyClaim.objects.all()
    if scope.is_hr:
        return claims
    if scope.is_institution:
        return claims.filter(institution_id=scope.institution_id)
    return claims.none()


def vouchers_visible_to(user: User | AnonymousUser) -> QuerySet[Voucher]:
    """HR: every voucher. Township: those it issued. Institution: those redeemed on its rosters."""
    scope = scope_of(user)
    vouchers = Voucher.objects.all()
    if scope.is_hr:
        return vouchers
    if scope.is_township:
        # A township user always has a township (accounts_userprofile_role_matches_party).
        return vouchers.filter(township_id=cast(int, scope.township_id))
    if scope.is_institution:
        return vouchers.filter(enrolment__training_class__institution_id=scope.institution_id)
    return vouchers.none()
