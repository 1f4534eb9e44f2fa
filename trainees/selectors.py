"""Which trainees a user may see: one selector, one branch per role (SPEC.md §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.scope import scope_of
from trainees.models import Trainee

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


def trainees_visible_to(user: User | AnonymousUser) -> QuerySet[Trainee]:
    """HR: the county. Township: its own trainees. Institution: trainees on its rosters.
    Evaluation body: trainees enrolled in classes of occupations its published plans cover."""
    scope = scope_of(user)
    trainees = Trainee.objects.all()
    if scope.is_hr:
        return trainees
    if scope.is_township:
        return trainees.filter(township_id=scope.township_id)
    from courses.models import Enrolment
    from courses.selectors import classes_visible_to

    if scope.is_institution or scope.is_evaluator:
        rosters = Enrolment.objects.filter(training_class__in=classes_visible_to(user))
        return trainees.filter(pk__in=rosters.values("trainee_id"))
    return trainees.none()
