"""Which claims and vouchers a user may see (SPEC.md §1)."""

from accounts.scope import scope_of
from subsidies.models import SubsidyClaim, Voucher


def claims_visible_to(user):
    """HR: every claim. Institution: its own. Nobody else sees claims."""
    scope = scope_of(user)
    claims = SubsidyClaim.objects.all()
    if scope.is_hr:
        return claims
    if scope.is_institution:
        return claims.filter(institution_id=scope.institution_id)
    return claims.none()


def vouchers_visible_to(user):
    """HR: every voucher. Township: those it issued. Institution: those redeemed on its rosters."""
    scope = scope_of(user)
    vouchers = Voucher.objects.all()
    if scope.is_hr:
        return vouchers
    if scope.is_township:
        return vouchers.filter(township_id=scope.township_id)
    if scope.is_institution:
        return vouchers.filter(enrolment__training_class__institution_id=scope.institution_id)
    return vouchers.none()
