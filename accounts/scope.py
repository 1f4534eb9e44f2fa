"""What a user is: the role and the one party they act for (SPEC.md §1).

Every selector starts from `scope_of(user)`; nothing else reads the profile to decide access.
"""

from dataclasses import dataclass

from accounts.models import Role, UserProfile
from accounts.policy import ensure_hr


@dataclass(frozen=True)
class Scope:
    role: str | None
    institution_id: int | None = None
    township_id: int | None = None
    evaluation_body_id: int | None = None

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
        )
    user._skills_scope = scope
    return scope


def require_hr(user, *, action: str) -> None:
    """The HR-only check for `user` (accounts.policy.ensure_hr): every service that only county HR
    may call starts here."""
    ensure_hr(is_hr=scope_of(user).is_hr, action=action)
