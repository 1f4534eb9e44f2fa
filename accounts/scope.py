"""What a user is: the role and the one party they act for (SPEC.md §1).

Every selector starts from `scope_of(user)`; nothing else reads the profile to decide access.
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import SUPERVISORS, Role, UserProfile
from accounts.policy import ensure_hr, ensure_may_supervise, ensure_own_county
from programme.models import Township


@dataclass(frozen=True)
class Scope:
    role: str | None
    institution_id: int | None = None
    township_id: int | None = None
    evaluation_body_id: int | None = None
    county_id: int | None = None  # county HR: their county; None: every county (a one-county deployment)
    area_code: str = ""  # supervisors: their city's or province's GB/T 2260 code

    @property
    def is_hr(self):
        return self.role == Role.HR

    @property
    def is_institution(self):
        return self.role == Role.INSTITUTION

    @property
    def is_township(self):
        return self.role == Role.TOWNSHIP

    @property
    def is_evaluator(self):
        return self.role == Role.EVALUATOR

    @property
    def is_supervisor(self):
        return self.role in SUPERVISORS

    @property
    def reads_area(self):
        """County HR and the city's and province's supervisors read everything in their area."""
        return self.is_hr or self.is_supervisor

    @property
    def is_whole_deployment(self):
        """HR not tied to one county (a one-county deployment, or the system's superuser)."""
        return self.is_hr and self.county_id is None

    def acts_in_county(self, county_id: int | None) -> bool:
        """County HR act on their own county's business only; HR of the whole deployment on any."""
        return self.is_hr and (self.county_id is None or self.county_id == county_id)

    def acts_for_township(self, township_id: int) -> bool:
        """HR acting on a township's people: their county's townships (one query, only for the HR
        of a county)."""
        if not self.is_hr:
            return False
        return self.county_id is None or Township.objects.filter(pk=township_id, county_id=self.county_id).exists()

    @property
    def area_prefix(self) -> str:
        """The start of every GB/T 2260 code in a supervisor's area ("" for HR: a county's HR see
        one county, which the caller already holds)."""
        if self.role == Role.PROVINCE_SUPERVISOR:
            return self.area_code[:2]
        return self.area_code[:4] if self.role == Role.CITY_SUPERVISOR else ""

    def area(self, path: str) -> Q:
        """The rows in the user's area, through `path` to their county ("" for counties themselves)
        (SPEC.md §1): county HR's
        county; a city supervisor's counties (the code's first four digits), a province
        supervisor's (first two); everything for HR not tied to a county; nothing for others."""
        if self.is_hr:
            return Q(**{path or "pk": self.county_id}) if self.county_id else Q()
        if self.is_supervisor:
            return Q(**{f"{path}__code__startswith" if path else "code__startswith": self.area_prefix})
        return Q(pk__in=[])


NOBODY = Scope(role=None)


def scope_of(user) -> Scope:
    """The user's scope, read once per request and kept on the user object.

    A superuser without a profile is county HR; any other user without a profile sees nothing.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_skills_scope", None)
    if cached is not None:
        return cached

    try:
        profile = user.profile
    except UserProfile.DoesNotExist:
        profile = None
    if profile is None:
        scope = Scope(role=Role.HR) if user.is_superuser else NOBODY
    else:
        scope = Scope(
            role=profile.role,
            institution_id=profile.institution_id,
            township_id=profile.township_id,
            evaluation_body_id=profile.evaluation_body_id,
            county_id=profile.county_id,
            area_code=profile.area_code,
        )
    user._skills_scope = scope
    return scope


def require_hr(user, *, action: str, county_id: int | None = None) -> None:
    """The HR-only check for `user` (accounts.policy.ensure_hr): every service that only county HR
    may call starts here; given the business's county, HR of another county are refused too
    (accounts.policy.ensure_own_county)."""
    scope = scope_of(user)
    ensure_hr(is_hr=scope.is_hr, action=action)
    if county_id is not None:
        ensure_own_county(acts=scope.acts_in_county(county_id), action=action)


def require_supervision(user, *, action: str) -> None:
    """The check of what county HR and supervisors both do (accounts.policy.ensure_may_supervise)."""
    scope = scope_of(user)
    ensure_may_supervise(is_hr=scope.is_hr, is_supervisor=scope.is_supervisor, action=action)
