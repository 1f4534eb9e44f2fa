"""/checkin/: the trainee's self check-in page (public, on their own phone), the fragment of the
clerk's attendance page that shows the session's code and everyone's check-in, the clerk's photo
upload of a session, and the stored photos read back through the reader's scope."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import public, role_required
from accounts.models import Role
from accounts.security import client_address
from checkin import services
from checkin.forms import CheckInForm, SessionPhotoForm
from checkin.selectors import photos_visible_to, session_panel
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


@role_required(Role.INSTITUTION)
@require_POST
def upload_photo(request, pk):
    """A photo of one of the clerk's sessions (三(七) 视频调阅): stored, then back to the attendance
    page with a message; refused (400) with the reason and what to do on a page that leads back.
    Another institution's session is 404."""
    session = get_object_or_404(
        Session.objects.select_related("training_class").filter(training_class__in=classes_visible_to(request.user)),
        pk=pk,
    )
    form = SessionPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            photo = services.add_session_photo(session, by=request.user, now=timezone.now(),
                                               upload=form.cleaned_data["photo"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"现场照片已上传(本课次第{session.photos.count()}张,"
                                      f"{timezone.localtime(photo.uploaded_at):%H:%M})。")
            return redirect("courses:attendance", pk=session.pk)
    return render(request, "checkin/photo_refused.html", {"session": session, "form": form}, status=400)


def _photo_response(request, pk, field):
    photo = get_object_or_404(photos_visible_to(request.user), pk=pk)
    stored = getattr(photo, field)
    try:
        handle = stored.storage.open(stored.name, "rb")
    except OSError as error:
        raise Http404("照片文件不存在。") from error
    response = FileResponse(handle, content_type="image/jpeg", as_attachment=False,
                            filename=f"现场照片-{photo.pk}{'-缩略图' if field == 'thumbnail' else ''}.jpg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@role_required(Role.HR, Role.INSTITUTION)
@require_GET
def photo_image(request, pk):
    """A session photo as stored (re-encoded JPEG, no metadata), shown in the browser: county HR
    and the institution whose class it is; 404 for another institution's photo."""
    return _photo_response(request, pk, "image")


@role_required(Role.HR, Role.INSTITUTION)
@require_GET
def photo_thumbnail(request, pk):
    """Its thumbnail, for the attendance page and HR's photo wall; the same scope."""
    return _photo_response(request, pk, "thumbnail")
