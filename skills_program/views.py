from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import public, signed_in
from accounts.scope import scope_of


@signed_in
def home(request):
    """Send each user to where they work: HR to the admin, the others to their portal."""
    scope = scope_of(request.user)
    if scope.reads_area:
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


def csrf_failure(request, reason=""):
    """A Chinese page for an expired or missing CSRF token (the reason is logged, not shown)."""
    return render(request, "403_csrf.html", status=403)
