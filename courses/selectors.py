"""Which classes and roster rows a user may see (SPEC.md §1), and the figures of a class."""

from accounts.scope import scope_of
from courses.models import Enrolment, TrainingClass


def classes_visible_to(user):
    """HR: every class. Institution: its own. Township: classes with one of its trainees on the
    roster. Evaluation body: classes of occupations covered by its published evaluation plans."""
    scope = scope_of(user)
    classes = TrainingClass.objects.all()
    if scope.is_hr:
        return classes
    if scope.is_institution:
        return classes.filter(institution_id=scope.institution_id)
    if scope.is_township:
        return classes.filter(enrolments__trainee__township_id=scope.township_id).distinct()
    if scope.is_evaluator:
        return classes.filter(
            occupation__evaluation_plans__evaluation_body_id=scope.evaluation_body_id,
            occupation__evaluation_plans__published_on__isnull=False,
        ).distinct()
    return classes.none()


def enrolments_visible_to(user):
    """Roster rows: HR all; institution its classes'; township its trainees'; evaluation body
    those of the classes it may evaluate."""
    scope = scope_of(user)
    enrolments = Enrolment.objects.all()
    if scope.is_hr:
        return enrolments
    if scope.is_institution:
        return enrolments.filter(training_class__institution_id=scope.institution_id)
    if scope.is_township:
        return enrolments.filter(trainee__township_id=scope.township_id)
    if scope.is_evaluator:
        return enrolments.filter(training_class__in=classes_visible_to(user))
    return enrolments.none()
