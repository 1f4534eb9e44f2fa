"""Results and employment pages of the institution portal (and evaluation bodies for results)."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import role_required
from accounts.models import Role
from accounts.scope import scope_of
from certification import services
from certification.imports import EmploymentImport, ResultsImport
from certification.models import AssessmentResult, EmploymentRecord, EvidenceKind
from common.documents import DocumentFormField
from common.excel import wants_xlsx, workbook_response
from common.formats.zh_Hans.formats import DATE_INPUT_FORMATS
from common.forms import add_refusal
from common.import_views import handle_import, template_response
from courses.policy import employment_window_ends_on
from courses.selectors import classes_visible_to


def parse_date(text):
    field = forms.DateField(input_formats=DATE_INPUT_FORMATS)
    return field.clean(text)


def _own_class(request, pk):
    return get_object_or_404(
        classes_visible_to(request.user).select_related("occupation", "institution", "policy_year"), pk=pk
    )


@role_required(Role.INSTITUTION, Role.EVALUATOR, Role.HR)
def results(request, pk):
    """One screen per class: every trainee's assessment result and, for those who passed, the
    certificate (number and date). Only trainees who met attendance appear (R3); saved all or
    nothing."""
    training_class = _own_class(request, pk)
    scope = scope_of(request.user)
    body = request.user.profile.evaluation_body if scope.is_evaluator else None
    kind = training_class.occupation.certificate_kind
    may_issue = scope.is_hr if kind != "skill_level" else scope.is_evaluator
    enrolments = list(
        training_class.enrolments.filter(is_withdrawn=False, meets_attendance=True)
        .select_related("trainee", "assessment").prefetch_related("certificates").order_by("pk")
    )
    left_out = list(training_class.enrolments.filter(is_withdrawn=False).exclude(meets_attendance=True)
                    .select_related("trainee").order_by("pk"))
    posted, problems, status = {}, {}, 200
    if request.method == "POST":
        # A result typed for a trainee below the attendance threshold (a crafted or stale form)
        # goes through the same service, whose R3 refusal then stops the whole save.
        refused = [e for e in left_out if request.POST.get(f"result-{e.pk}", "").strip()]
        posted, problems = _save_results(request, enrolments + refused, may_issue=may_issue, body=body)
        if not problems:
            messages.success(request, "考核结果和证书已保存。")
            return redirect("certification:results", pk=pk)
        status = 400
        messages.error(request, f"{len(problems)}名学员的录入有误,本次录入均未保存:请按各行提示修改后重新提交。")
        for enrolment in refused:
            for cell_messages in problems.get(enrolment.pk, {}).values():
                for message in cell_messages:
                    messages.error(request, f"{enrolment.trainee.name}:{message}")
    if wants_xlsx(request):
        rows = []
        for e in enrolments:
            a = getattr(e, "assessment", None)
            c = next(iter(e.certificates.all()), None)
            rows.append([e.trainee.name, e.trainee.masked_id_number, e.attendance_rate,
                         a.get_result_display() if a else "", a.theory_score if a else None,
                         a.practical_score if a else None, c.get_kind_display() if c else "", c.get_level_display() if c else "",
                         c.number if c else "", c.issued_on if c else None, c.issuer_name if c else ""])
        return workbook_response(f"考核与证书-{training_class.code}.xlsx", f"{training_class.code} 考核结果与证书",
                                 ["姓名", "身份证号", "到课率", "考核结果", "理论", "实操", "证书类型", "等级", "证书编号",
                                  "发证日期", "发证机构"], rows)
    extra = {}
    if scope.is_hr:
        extra = admin.site.each_context(request)
    rows = [(e, posted.get(e.pk) or _stored_values(e), problems.get(e.pk, {})) for e in enrolments]
    return render(request, "certification/results.html", {**extra,
        "training_class": training_class, "rows": rows, "enrolments": enrolments, "left_out": left_out,
        "results": AssessmentResult.choices, "today": timezone.localdate(), "may_issue": may_issue,
        "base_template": "admin/base_site.html" if scope.is_hr else "institutions/base.html",
    }, status=status)


# The cell of the results screen each refusal concerns (a model field's errors stand at its own).
RESULT_CELLS = {
    "result": "result", "assessed_on": "assessed", "theory_score": "theory", "practical_score": "practical",
    "number": "number", "issued_on": "issued", "assessment_before_class_end": "assessed",
    "certificate_before_class_end": "issued", "certificate_in_future": "issued", "unique": "number",
    "certificate_exists": "number", "not_the_issuer": "number", "assessment_not_passed": "result",
}


def _stored_values(enrolment):
    assessment = getattr(enrolment, "assessment", None)
    return {
        "result": assessment.result if assessment else "",
        "assessed": f"{assessment.assessed_on:%Y-%m-%d}" if assessment else "",
        "theory": assessment.theory_score if assessment and assessment.theory_score is not None else "",
        "practical": assessment.practical_score if assessment and assessment.practical_score is not None else "",
        "number": "", "issued": "",
    }


def _save_results(request, enrolments, *, may_issue, body):
    """Record every row typed in, all or nothing. Returns what was typed and, per trainee, the
    refusals by cell ("row" for those about the trainee), each standing beside its cell."""
    today = timezone.localdate()
    posted, problems = {}, {}
    with transaction.atomic():
        for enrolment in enrolments:
            typed = {name: request.POST.get(f"{name}-{enrolment.pk}", "").strip()
                     for name in ("result", "assessed", "theory", "practical", "number", "issued")}
            posted[enrolment.pk] = typed
            if not typed["result"]:
                continue
            found = {}
            dates = {}
            for cell in ("assessed", "issued"):
                try:
                    dates[cell] = parse_date(typed[cell] or today.isoformat())
                except ValidationError as error:
                    found.setdefault(cell, []).extend(error.messages)
            if found:
                problems[enrolment.pk] = found
                continue
            try:
                services.record_assessment(
                    enrolment, by=request.user, result=typed["result"], assessed_on=dates["assessed"],
                    theory_score=typed["theory"] or None, practical_score=typed["practical"] or None,
                )
                if (may_issue and typed["result"] == AssessmentResult.PASSED and typed["number"]
                        and not enrolment.certificates.all()):
                    services.issue_certificate(enrolment, by=request.user, number=typed["number"], today=today,
                                               evaluation_body=body, issued_on=dates["issued"])
            except ValidationError as error:
                problems[enrolment.pk] = _by_cell(error)
        if problems:
            transaction.set_rollback(True)
    return posted, problems


def _by_cell(error):
    found = {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for one in errors:
                found.setdefault(RESULT_CELLS.get(name) or RESULT_CELLS.get(one.code, "row"), []).extend(one.messages)
        return found
    for one in error.error_list:
        found.setdefault(RESULT_CELLS.get(one.code, "row"), []).extend(one.messages)
    return found


class EmploymentForm(forms.Form):
    enrolment = forms.ModelChoiceField(queryset=None, label="学员")
    employer_name = forms.CharField(label="用人单位", max_length=100)
    employer_credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    started_on = forms.DateField(label="就业日期", widget=forms.DateInput(attrs={"type": "date"}))
    contract_months = forms.IntegerField(label="合同期限(月)", min_value=0, required=False)
    evidence_kind = forms.ChoiceField(label="证明材料", choices=EvidenceKind.choices)
    evidence_file = DocumentFormField(label="证明文件", required=False)

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        # R23: a job is recorded once it has begun (the service refuses a later date).
        self.fields["started_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["started_on"].help_text = "上岗当天的日期,不能晚于今天,也不能早于培训班开班日期。"
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: f"{e.trainee.name}({e.trainee.masked_id_number})"


def save_employment(request, form):
    """Record the employment the form describes; a refusal stands beside the field it concerns."""
    data = dict(form.cleaned_data)
    enrolment = data.pop("enrolment")
    try:
        services.record_employment(enrolment, by=request.user, **data)
    except ValidationError as error:
        add_refusal(form, error, {"credit_code_invalid": "employer_credit_code", "employment_in_future": "started_on",
                                  "employment_before_class": "started_on"})
        return False
    messages.success(request, f"已登记{enrolment.trainee.name}的就业情况,待县人社局核实。")
    return True


@role_required(Role.INSTITUTION)
def employment(request, pk):
    """Employment follow-up of a completed class: the 3-month window, who is recorded, verified
    or still due; a form to record one more."""
    training_class = _own_class(request, pk)
    enrolments = training_class.enrolments.filter(is_withdrawn=False).select_related("trainee").order_by("pk")
    form = EmploymentForm(request.POST or None, request.FILES or None, enrolments=enrolments)
    if request.method == "POST" and form.is_valid() and save_employment(request, form):
        return redirect("certification:employment", pk=pk)
    records = {}
    for record in EmploymentRecord.objects.filter(enrolment__training_class=training_class).order_by("started_on"):
        records.setdefault(record.enrolment_id, []).append(record)
    window_end: date | None = None
    if training_class.completed_on:
        window_end = employment_window_ends_on(training_class.end_on, p=training_class.params())
    rows = [(e, records.get(e.pk, [])) for e in enrolments]
    if wants_xlsx(request):
        return workbook_response(
            f"就业跟踪-{training_class.code}.xlsx", f"{training_class.code} 就业跟踪",
            ["姓名", "身份证号", "用人单位", "统一社会信用代码", "就业日期", "合同期限(月)", "证明材料", "已核实", "用人单位为本机构"],
            [[e.trainee.name, e.trainee.masked_id_number, r.employer_name, r.employer_credit_code, r.started_on,
              r.contract_months, r.get_evidence_kind_display(), r.verified_at is not None, r.is_employer_the_institution]
             for e, records_of in rows for r in records_of])
    return render(request, "certification/employment.html", {
        "training_class": training_class, "rows": rows, "form": form, "window_end": window_end,
        "p": training_class.params(),
    })


@role_required(Role.INSTITUTION, Role.EVALUATOR, Role.HR)
def import_results(request, pk):
    """考核结果与证书 of a class from the spreadsheet template."""
    training_class = _own_class(request, pk)
    importer = ResultsImport(user=request.user, training_class=training_class)
    if request.GET.get("template"):
        return template_response(importer, f"考核结果-{training_class.code}.xlsx")
    is_hr = scope_of(request.user).is_hr
    extra = {}
    if is_hr:
        extra = admin.site.each_context(request)
    return handle_import(request, importer, kind="results", target=training_class.code,
                         title=f"导入考核结果:{training_class.code}", back_url=reverse("certification:results", args=[pk]),
                         base_template="admin/base_site.html" if is_hr else "institutions/base.html", extra_context=extra)


@role_required(Role.INSTITUTION, Role.TOWNSHIP, Role.HR)
def import_employment(request):
    """就业跟踪 of the user's own trainees (institution: its classes; township: its people)."""
    importer = EmploymentImport.for_upload(user=request.user)
    if request.GET.get("template"):
        return template_response(importer, "就业跟踪.xlsx")
    scope = scope_of(request.user)
    if scope.is_hr:
        return handle_import(request, importer, kind="employment", title="导入就业跟踪表",
                             back_url=reverse("admin:certification_employmentrecord_changelist"),
                             base_template="admin/base_site.html", extra_context=admin.site.each_context(request))
    back = reverse("trainees:home") if scope.is_township else reverse("courses:class-list")
    return handle_import(request, importer, kind="employment", title="导入就业跟踪表", back_url=back,
                         base_template="base.html" if scope.is_township else "institutions/base.html")
