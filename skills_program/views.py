from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import public, signed_in
from accounts.scope import scope_of
from skills_program.routers import reads_from_replica
from skills_program.selectors import current_policy_year, year_asked


@signed_in
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


@public
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


@public
@require_GET
@reads_from_replica
def public_home(request):
    """Aggregate figures for public supervision (《实施方案》五(三)): targets and results by target
    line, category and township, the listed institutions with their pass and employment rates,
    money paid by institution and occupation, and the claims on public notice (R19) with masked
    names and ID numbers. Never a full ID number, a phone, an address or a household status."""
    from django.db.models import Sum

    from institutions.models import InstitutionYear
    from skills_program import dashboard
    from skills_program.models import PolicyYear
    from subsidies.models import ClaimStatus, SubsidyClaim
    from subsidies.views import public_notices

    asked = year_asked(request.GET.get("year", ""))
    year = PolicyYear.objects.filter(year=asked).first() if asked is not None else current_policy_year()
    context = {"year": year, "years": PolicyYear.objects.values_list("year", flat=True)}
    if year is not None:
        data, computed_at = dashboard.snapshot(year)
        paid = SubsidyClaim.objects.filter(training_class__policy_year=year, status=ClaimStatus.PAID)
        listed = InstitutionYear.objects.filter(policy_year=year, is_listed=True).select_related("institution")
        league = {row[0]: row for row in data["league"]}
        notices_page, notices = public_notices(year, request.GET.get("notices", 1))
        context.update({
            "data": data, "charts": dashboard.charts(data), "computed_at": computed_at,
            "institutions": [(row.institution.name, row.is_disqualified, league.get(row.institution.name))
                             for row in listed.order_by("institution__name")],
            "paid_by_institution": paid.values_list("institution__name").annotate(t=Sum("total_amount"))
            .order_by("institution__name"),
            "paid_by_occupation": paid.values_list("training_class__occupation__name").annotate(t=Sum("total_amount"))
            .order_by("training_class__occupation__name"),
            "paid_total": paid.aggregate(t=Sum("total_amount"))["t"] or 0,
            "notices": notices, "notices_page": notices_page,
        })
    return render(request, "public/home.html", context)


def csrf_failure(request, reason=""):
    """A Chinese page for an expired or missing CSRF token (the reason is logged, not shown)."""
    return render(request, "403_csrf.html", status=403)
