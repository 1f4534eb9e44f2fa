"""/jobs/...: a background job's page (progress bar, then the outcome), its progress as JSON for
the bar, and its result file. A job is seen only by the person who started it, and by county HR
when it was started in HR's back office (common.jobs.jobs_visible_to): anyone else gets 404, as
for another party's document."""

from django.contrib import admin
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.models import Role
from accounts.scope import scope_of
from common.jobs import XLSX, jobs_visible_to, read_progress

# How often the page asks for progress, in milliseconds.
POLL_EVERY_MS = 1000


def _visible_job(request, pk):
    scope = scope_of(request.user)
    if scope.is_whole_deployment:
        shared = Q()
    elif scope.is_hr:  # a county's back office shares its jobs within the county
        shared = Q(started_by__profile__county_id=scope.county_id)
    else:
        shared = None
    return get_object_or_404(jobs_visible_to(request.user, shared=shared).select_related("started_by"), pk=pk)


def _state(job):
    progress = read_progress(job)
    return {
        "status": job.status, "status_text": job.get_status_display(), "finished": job.is_finished,
        "done": progress["done"], "total": progress["total"], "percent": progress["percent"],
        "stage": progress["stage"], "message": job.message,
        "download_url": reverse("jobs:download", args=[job.pk]) if job.result_file else "",
    }


@require_GET
@never_cache
@role_required(*Role.values)
def job_detail(request, pk):
    """The job's page: what it is, who started it and when, a progress bar that follows it until
    it ends (portal/job-progress.js, reloading the page then), and its outcome with the result
    file to download. In the frame of the page that started it (HR's back office, the
    institution portal or the township portal)."""
    job = _visible_job(request, pk)
    scope = scope_of(request.user)
    context = {"job": job, "state": _state(job), "poll_ms": POLL_EVERY_MS}
    if scope.reads_area:
        context.update(admin.site.each_context(request), title=job.title, base_template="admin/base_site.html")
    else:
        context["base_template"] = "institutions/base.html" if scope.is_institution or scope.is_evaluator else "base.html"
    return TemplateResponse(request, "jobs/detail.html", context)


@require_GET
@never_cache
@role_required(*Role.values)
def job_progress(request, pk):
    """The job's state for the progress bar: status, done of total, the stage in words, the share
    done (null while unknown), and once it has ended its message and the download's address."""
    return JsonResponse(_state(_visible_job(request, pk)), json_dumps_params={"ensure_ascii": False})


@require_GET
@role_required(*Role.values)
def job_download(request, pk):
    """The job's result file (an .xlsx), under the name it was made with."""
    job = _visible_job(request, pk)
    if not job.result_file:
        raise Http404("该任务没有结果文件。")
    response = FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name,
                            content_type=XLSX)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


app_name = "jobs"
urlpatterns = [
    path("<int:pk>/", job_detail, name="detail"),
    path("<int:pk>/progress/", job_progress, name="progress"),
    path("<int:pk>/download/", job_download, name="download"),
]
