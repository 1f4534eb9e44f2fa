"""Which certificates and employment records a user may see (SPEC.md §1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db.models import Q

from accounts.scope import scope_of
from certification.models import Certificate, EmploymentRecord, EvaluationPlan
from common.admin_scope import union_of_areas

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


def certificates_visible_to(user: User | AnonymousUser) -> QuerySet[Certificate]:
    """HR: all. Institution: those earned on its rosters. Township: its trainees'. Evaluation
    body: those it issued."""
    scope = scope_of(user)
    certificates = Certificate.objects.all()
    if scope.is_whole_deployment:
        return certificates
    if scope.reads_area:
        # A person is one row province-wide: the area's trainees' certificates, and those earned on
        # the area's classes.
        return certificates.filter(pk__in=union_of_areas(
            Certificate, scope, ("trainee__township__county", "enrolment__training_class__county")))
    if scope.is_institution:
        return certificates.filter(enrolment__training_class__institution_id=scope.institution_id)
    if scope.is_township:
        # A township user always has a township (accounts_userprofile_role_matches_party).
        return certificates.filter(trainee__township_id=cast(int, scope.township_id))
    if scope.is_evaluator:
        return certificates.filter(evaluation_body_id=scope.evaluation_body_id)
    return certificates.none()


def employment_visible_to(user: User | AnonymousUser) -> QuerySet[EmploymentRecord]:
    """HR: all. Institution: employment following its classes. Township: its trainees'."""
    scope = scope_of(user)
    records = EmploymentRecord.objects.all()
    if scope.is_whole_deployment:
        return records
    if scope.reads_area:
        return records.filter(pk__in=union_of_areas(
            EmploymentRecord, scope, ("trainee__township__county", "enrolment__training_class__county")))
    if scope.is_institution:
        return records.filter(enrolment__training_class__institution_id=scope.institution_id)
    if scope.is_township:
        return records.filter(trainee__township_id=cast(int, scope.township_id))
    return records.none()


def evaluation_plans_visible_to(user: User | AnonymousUser) -> QuerySet[EvaluationPlan]:
    """HR and supervisors: all (the catalogue and its evaluation plans are the province's). Evaluation
    body: its own plans."""
    scope = scope_of(user)
    plans = EvaluationPlan.objects.all()
    if scope.reads_area:
        return plans
    if scope.is_evaluator:
        return plans.filter(evaluation_body_id=scope.evaluation_body_id)
    return plans.none()


def certified(enrolment_path: str = "") -> Q:
    """The metric "certified", defined once for every page (the dashboard, the township's
    progress, the public page): a roster row holding a certificate earned on that training.
    `enrolment_path` leads from the queried model to the roster row ("" for Enrolment itself,
    "enrolments__" from Trainee); counting distinct people is the caller's."""
    return Q(**{f"{enrolment_path}certificates__isnull": False})
