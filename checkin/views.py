"""/checkin/: the trainee's self check-in page (public, on their own phone) and the fragment of
the clerk's attendance page that shows the session's code and everyone's check-in."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from accounts.decorators import public, role_required
from accounts.models import Role
from accounts.security import client_address
from checkin import services
from checkin.forms import CheckInForm
from checkin.selectors import session_panel
from courses.models import Session
from courses.selectors import classes_visible_to

# What each refusal answers with; not_matched is the same status as the others on purpose.
STATUS_OF_CODE = {"too_many_attempts": 429}


@public
@never_cache
def check_in(request):
    """GET: the form, the code filled in from the QR code's ?c=. POST: check in."""
    result, status = None, 200
    if request.method == "POST":
        form = CheckInForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            result = services.check_in(code=data.get("code", ""), name=data.get("name", ""),
                                       id_ending=data.get("id_ending", ""), address=client_address(request))
        except ValidationError as error:
            form.add_error(None, error)
            status = STATUS_OF_CODE.get(error.code, 400)
    else:
        form = CheckInForm(initial={"code": request.GET.get("c", "")[:20]})
    return render(request, "checkin/check_in.html", {"form": form, "result": result}, status=status)


@role_required(Role.INSTITUTION)
@never_cache
def panel(request, pk):
    """The panel's body alone, fetched again every minute by checkin/panel.js (a new code every
    5 minutes, check-ins as they arrive). Another institution's session is 404."""
    session = get_object_or_404(
        Session.objects.select_related("training_class").filter(training_class__in=classes_visible_to(request.user)),
        pk=pk,
    )
    return render(request, "checkin/_panel_body.html", {"panel": session_panel(session)})
