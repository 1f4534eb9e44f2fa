from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Count, Q, Sum
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.scope import scope_of
from skills_program.selectors import current_policy_year


@login_required
def home(request):
    """Send each user to where they work: HR to the admin, the others to their portal."""
    scope = scope_of(request.user)
    if scope.is_hr:
        return redirect("admin:index")
    if scope.is_institution or scope.is_evaluator:
        return redirect("institutions:home")
    if scope.is_township:
        return redirect("trainees:home")
    return render(request, "no_role.html", status=403)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not (load balancer probe)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def public_home(request):
    """Aggregate figures for public supervision (《实施方案》五(三)); never a person's data."""
    from courses.models import ClassStatus, Enrolment, TrainingClass
    from subsidies.models import ClaimStatus, SubsidyClaim

    year = current_policy_year()
    figures = {}
    if year is not None:
        classes = TrainingClass.objects.filter(policy_year=year)
        figures = classes.aggregate(
            classes=Count("pk", filter=Q(status__in=[ClassStatus.IN_PROGRESS, ClassStatus.COMPLETED,
                                                       ClassStatus.CLOSED])),
            completed=Count("pk", filter=Q(status__in=[ClassStatus.COMPLETED, ClassStatus.CLOSED])),
        )
        figures["trained"] = Enrolment.objects.filter(
            training_class__policy_year=year, is_withdrawn=False,
            training_class__status__in=[ClassStatus.COMPLETED, ClassStatus.CLOSED],
        ).count()
        figures["certified"] = Enrolment.objects.filter(
            training_class__policy_year=year, certificates__isnull=False
        ).values("pk").distinct().count()
        figures["paid"] = SubsidyClaim.objects.filter(
            training_class__policy_year=year, status=ClaimStatus.PAID
        ).aggregate(total=Sum("total_amount"))["total"] or 0
    from subsidies.views import public_notices

    return render(request, "public/home.html", {"year": year, "figures": figures, "notices": public_notices(year)})


def csrf_failure(request, reason=""):
    """A Chinese page for an expired or missing CSRF token (the reason is logged, not shown)."""
    return render(request, "403_csrf.html", status=403)
