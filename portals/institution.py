"""The institution portal (/institution/): an institution's clerks, and evaluation bodies."""

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import role_required
from accounts.models import Role
from accounts.scope import scope_of
from certification.selectors import certificates_visible_to, certified
from courses.models import ClassStatus
from courses.selectors import classes_visible_to, enrolments_visible_to
from reporting.selectors import todo_for_institution
from subsidies.selectors import claims_visible_to


@role_required(Role.INSTITUTION, Role.EVALUATOR)
def home(request):
    """The party's own name and numbers, and its classes."""
    scope = scope_of(request.user)
    profile = request.user.profile
    party = profile.institution if scope.is_institution else profile.evaluation_body
    classes = (
        classes_visible_to(request.user)
        .select_related("occupation", "policy_year")
        .annotate(active_count=Count("enrolments", filter=Q(enrolments__is_withdrawn=False)))
        .order_by("-planned_start_on", "-pk")
    )
    by_status = dict(classes.order_by().values_list("status").annotate(n=Count("pk", distinct=True)))
    enrolments = enrolments_visible_to(request.user).filter(is_withdrawn=False)
    figures = {
        "classes": sum(by_status.values()),
        "in_progress": by_status.get(ClassStatus.IN_PROGRESS, 0),
        "trainees": enrolments.count(),
        # An institution: its roster rows certified by that training (the metric "certified" of
        # every page); an evaluation body: the certificates it issued.
        "certificates": (enrolments.filter(certified()).distinct().count() if scope.is_institution
                         else certificates_visible_to(request.user).count()),
        "claimed": claims_visible_to(request.user).aggregate(total=Sum("total_amount"))["total"] or 0,
    }
    status_rows = [(label, by_status.get(value, 0)) for value, label in ClassStatus.choices]
    todo = todo_for_institution(request.user, today=timezone.localdate()) if scope.is_institution else None
    return render(
        request,
        "institutions/home.html",
        {"party": party, "scope": scope, "classes": classes[:50], "figures": figures, "status_rows": status_rows,
         "todo": todo},
    )
