"""/documents/...: the stored class and employment documents, each read through the reader's
scope (another party's document is 404, like its page) and sent as a download. MEDIA_URL is
never served in production; these views are the only way back to a stored file."""

from django.shortcuts import get_object_or_404
from django.urls import re_path
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.models import Role
from certification.selectors import employment_visible_to, evaluation_plans_visible_to
from common.documents import document_response
from courses.models import AttendanceCorrection
from courses.selectors import classes_visible_to


@require_GET
@role_required(Role.HR, Role.INSTITUTION, Role.EVALUATOR)
def class_document(request, pk, field):
    """A class application's syllabus, teaching plan or assessment plan (R17): whoever may open
    the class (county HR, its institution, an evaluation body that evaluates it)."""
    training_class = get_object_or_404(classes_visible_to(request.user), pk=pk)
    label = training_class._meta.get_field(field).verbose_name
    return document_response(getattr(training_class, field), title=f"{training_class.code}-{label}")


@require_GET
@role_required(Role.HR, Role.INSTITUTION, Role.TOWNSHIP)
def employment_evidence(request, pk, field):
    """An employment record's evidence: county HR, the institution whose class it follows,
    the trainee's township."""
    record = get_object_or_404(employment_visible_to(request.user), pk=pk)
    return document_response(record.evidence_file, title=f"就业证明-{record.pk}")


@require_GET
@role_required(Role.HR, Role.EVALUATOR)
def evaluation_plan_document(request, pk, field):
    """An evaluation plan's document: county HR and the evaluation body whose plan it is."""
    plan = get_object_or_404(evaluation_plans_visible_to(request.user), pk=pk)
    return document_response(plan.document, title=f"评价实施方案-{plan.pk}")


@require_GET
@role_required(Role.HR, Role.INSTITUTION)
def attendance_correction_evidence(request, pk, field):
    """An attendance correction's evidence (R20, 三(七)): county HR and the institution whose
    class it concerns."""
    correction = get_object_or_404(
        AttendanceCorrection.objects.filter(training_class__in=classes_visible_to(request.user)), pk=pk)
    return document_response(correction.evidence, title=f"考勤更正证明-{correction.pk}")


# Named after the model, so that a stored file's `.url` (DocumentFieldFile) finds its view.
app_name = "documents"
urlpatterns = [
    re_path(r"^classes/(?P<pk>[0-9]+)/(?P<field>syllabus|teaching_plan|assessment_plan)/$", class_document,
            name="trainingclass"),
    re_path(r"^employment/(?P<pk>[0-9]+)/(?P<field>evidence_file)/$", employment_evidence, name="employmentrecord"),
    re_path(r"^evaluation-plans/(?P<pk>[0-9]+)/(?P<field>document)/$", evaluation_plan_document,
            name="evaluationplan"),
    re_path(r"^attendance-corrections/(?P<pk>[0-9]+)/(?P<field>evidence)/$", attendance_correction_evidence,
            name="attendancecorrection"),
]
