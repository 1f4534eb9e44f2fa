"""Class pages of the institution portal (/institution/classes/...): thin views that parse the
request, fetch through the scoped selectors (another party's object is 404) and call services."""

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.models import Role
from accounts.scope import scope_of
from common.excel import wants_xlsx, workbook_response
from common.forms import add_refusal
from common.import_views import handle_import, template_response
from courses import policy, services
from courses.forms import (
    CorrectionForm,
    EnrolForm,
    ReasonForm,
    SessionForm,
    TextbookFormSet,
    TrainingClassForm,
    WithdrawForm,
)
from courses.imports import AttendanceImport, RosterImport, session_header
from courses.models import ClassStatus, Session, TrainingClass
from courses.selectors import AttendanceSheet, classes_visible_to, enrolments_visible_to
from programme.selectors import current_policy_year

INSTITUTION = (Role.INSTITUTION,)
# Classes whose recorded attendance the clerk may look at, read-only.
ATTENDANCE_READABLE = policy.FINISHED_STATUSES | {ClassStatus.CANCELLED}


def _refused(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


def _own_class(request, pk):
    return get_object_or_404(
        classes_visible_to(request.user).select_related("occupation", "institution", "target_line", "policy_year"),
        pk=pk,
    )


@role_required(*INSTITUTION)
def class_list(request):
    """The institution's classes, filterable by status; a fixed number of queries."""
    classes = (
        classes_visible_to(request.user)
        .select_related("occupation")
        .annotate(active_count=Count("enrolments", filter=Q(enrolments__is_withdrawn=False)))
        .order_by("-planned_start_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in ClassStatus.values:
        classes = classes.filter(status=status)
    if wants_xlsx(request):
        return workbook_response("培训班.xlsx", "培训班", ["班级编号", "班级名称", "职业(工种)", "计划开班", "计划结业", "在册人数",
                                                         "计划人数", "状态"],
                                 [[c.code, c.name, c.occupation.name, c.planned_start_on, c.planned_end_on, c.active_count,
                                   c.capacity, c.get_status_display()] for c in classes])
    return render(request, "courses/class_list.html", {
        "classes": classes[:200], "statuses": ClassStatus.choices, "status": status,
    })


@role_required(*INSTITUTION)
def class_create(request):
    year = current_policy_year()
    institution = request.user.profile.institution
    training_class = TrainingClass()
    return _class_form(request, training_class, institution, year)


@role_required(*INSTITUTION)
def class_edit(request, pk):
    training_class = _own_class(request, pk)
    if training_class.status not in policy.EDITABLE_STATUSES:
        messages.error(request, "只有草稿或被退回的开班申请可以修改。")
        return redirect("courses:class-detail", pk=pk)
    return _class_form(request, training_class, training_class.institution, training_class.policy_year)


def _class_form(request, training_class, institution, year):
    if year is None:
        messages.error(request, "县人社局尚未开启政策年度,暂不能申请开班。")
        return redirect("courses:class-list")
    form = TrainingClassForm(request.POST or None, request.FILES or None, instance=training_class, policy_year=year,
                             institution=institution)
    textbooks = TextbookFormSet(request.POST or None, instance=training_class, prefix="textbooks")
    if request.method == "POST" and form.is_valid() and textbooks.is_valid():
        try:
            saved = services.save_class_application(form.save(commit=False), institution=institution,
                                                    policy_year=year, by=request.user, textbooks=textbooks)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning.messages[0])
            messages.success(request, "开班申请已保存为草稿;材料齐全后请点击「提交审批」。")
            return redirect("courses:class-detail", pk=saved.pk)
    return render(request, "courses/class_form.html", {
        "form": form, "textbooks": textbooks, "training_class": training_class, "year": year,
        "warnings": getattr(form, "warnings", []),
    })


@role_required(Role.INSTITUTION, Role.EVALUATOR)
def class_detail(request, pk):
    """A class with its roster, sessions and everyone's attendance standing (R3)."""
    return _render_detail(request, _own_class(request, pk))


def _render_detail(request, training_class, *, enrol_form=None, session_form=None, withdraw_form=None,
                   withdrawing=None, status=200):
    """The class page; a refused enrolment, session, withdrawal or action comes back to it (400)
    with the bound form, each refusal beside the field it concerns."""
    p = training_class.params()
    sheet = AttendanceSheet(training_class)
    rows = [(e, sheet.standing(e, p)) for e in sheet.enrolments]
    class_standing = sheet.class_standing(p)
    warnings = []
    if training_class.status in policy.EDITABLE_STATUSES:
        try:
            warnings = services.check_application(training_class)
        except ValidationError as error:
            warnings = error.error_list
    return render(request, "courses/class_detail.html", {
        "training_class": training_class, "rows": rows, "sessions": sheet.sessions, "sheet": sheet,
        "class_standing": class_standing, "threshold": p.min_attendance_rate,
        "textbooks": training_class.textbooks.all(),
        "transitions": training_class.transitions.select_related("acted_by"),
        "checks": warnings, "is_clerk": request.user.profile.role == Role.INSTITUTION,
        "enrol_form": enrol_form or EnrolForm(), "session_form": session_form or SessionForm(),
        "reason_form": ReasonForm(),
        "withdraw_form": withdraw_form or WithdrawForm(initial={"withdrawn_on": timezone.localdate()}),
        "withdrawing": withdrawing,
        "attendance_open": training_class.status == ClassStatus.IN_PROGRESS,
        "attendance_readable": training_class.status in ATTENDANCE_READABLE,
        "editable": training_class.status in policy.EDITABLE_STATUSES,
        "enrolling": training_class.status in policy.ENROLLING_STATUSES,
        "cancellable": ClassStatus.CANCELLED in policy.TRANSITIONS[training_class.status],
    }, status=status)


@require_POST
@role_required(*INSTITUTION)
def class_action(request, pk, action):
    """提交审批, 开班, 结业 and 撤销 from the class page."""
    training_class = _own_class(request, pk)
    today = timezone.localdate()
    try:
        if action == "submit":
            services.submit_class_application(training_class, by=request.user,
                                              acknowledge_warnings=bool(request.POST.get("acknowledge_warnings")))
            messages.success(request, "开班申请已提交县人社局审批。")
        elif action == "start":
            services.start_class(training_class, by=request.user, today=today)
            messages.success(request, "已开班。")
        elif action == "complete":
            services.complete_class(training_class, by=request.user, today=today)
            messages.success(request, "已结业,每位学员的到课率已记录。")
        elif action == "cancel":
            services.cancel_class(training_class, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "培训班已撤销。")
        else:
            return redirect("courses:class-detail", pk=pk)
    except ValidationError as error:
        # The refusal (its rule and what to do) on the class page itself, answered 400.
        _refused(request, error)
        return _render_detail(request, _own_class(request, pk), status=400)
    return redirect("courses:class-detail", pk=pk)


@require_POST
@role_required(*INSTITUTION)
def enrol(request, pk):
    """报名 by ID number or voucher code; a refusal comes back beside the field it concerns, and
    names the other record it depends on (the overlapping class, the voucher's holder…)."""
    training_class = _own_class(request, pk)
    form = EnrolForm(request.POST)
    if form.is_valid():
        try:
            enrolment = services.enrol_trainee(
                training_class, by=request.user, today=timezone.localdate(),
                id_number=form.cleaned_data["id_number"] or None,
                voucher_code=form.cleaned_data["voucher_code"] or None,
            )
        except ValidationError as error:
            form.add_refusal(error)
        else:
            messages.success(request, f"{enrolment.trainee.name}已加入名册。")
            return redirect("courses:class-detail", pk=pk)
    return _render_detail(request, training_class, enrol_form=form, status=400)


@require_POST
@role_required(*INSTITUTION)
def withdraw(request, pk):
    enrolment = get_object_or_404(enrolments_visible_to(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_enrolment(enrolment, by=request.user, on=form.cleaned_data["withdrawn_on"],
                                        reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_refusal(error)
        else:
            messages.success(request, "已办理退学,名册保留该学员记录。")
            return redirect("courses:class-detail", pk=enrolment.training_class_id)
    return _render_detail(request, _own_class(request, enrolment.training_class_id), withdraw_form=form,
                          withdrawing=enrolment.pk, status=400)


@require_POST
@role_required(*INSTITUTION)
def schedule(request, pk):
    training_class = _own_class(request, pk)
    form = SessionForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("correction_reason")
        evidence = data.pop("correction_evidence")
        try:
            services.schedule_session(training_class, by=request.user, today=timezone.localdate(), **data)
        except ValidationError as error:
            if not (reason and [e.code for e in error.error_list] == ["session_backdated"]):
                form.add_refusal(error)
            else:
                # R20: a past day once the class has started is added only if county HR approves.
                try:
                    services.request_session_correction(training_class, by=request.user, now=timezone.now(),
                                                        reason=reason, evidence=evidence, **data)
                except ValidationError as refusal:
                    form.add_refusal(refusal)
                else:
                    messages.success(request, "补排课次申请已提交县人社局,批准后课次才会出现在课表中。")
                    return redirect("courses:class-detail", pk=pk)
        else:
            messages.success(request, "课次已添加。")
            return redirect("courses:class-detail", pk=pk)
    return _render_detail(request, training_class, session_form=form, status=400)


def _own_session(request, pk):
    return get_object_or_404(
        Session.objects.select_related("training_class__policy_year", "training_class__occupation")
        .filter(training_class__in=classes_visible_to(request.user)),
        pk=pk,
    )


def _posted_marks(post):
    marks = {}
    for key, value in post.items():
        if key.startswith("mark-") and key[5:].isdigit():
            hours = post.get(f"hours-{key[5:]}", "").strip()
            marks[int(key[5:])] = hours if value == "到" and hours else value
    return marks


@role_required(*INSTITUTION)
def attendance(request, pk):
    """One screen per session: every trainee on the roster with 到/缺 (or hours present), saved in
    one request; each trainee's rate so far and best reachable rate, flagged below 85 %. Only
    while the class is in progress: before, and once completed (结业) or closed, the marks are
    shown read-only and a save is refused (409). R20 (三(七)): the screen says until when the
    session's marks may be entered; after that the same form sends a correction request (the
    marks, a reason, optional evidence) to county HR, and marks entered by an approved correction
    are labelled as such."""
    session = _own_session(request, pk)
    training_class = session.training_class
    editable = training_class.status == ClassStatus.IN_PROGRESS
    p = training_class.params()
    window = services.attendance_window(session, p)
    now = services.county_time(timezone.now())
    phase = "before" if now < window.opens_at else ("open" if now < window.closes_at else "closed")
    correction_form = CorrectionForm()
    status = 200
    if request.method == "POST" and not editable:
        messages.error(request, services.ATTENDANCE_CLOSED % {"status": training_class.get_status_display()})
        status = 409
    elif request.method == "POST" and "correction" in request.POST:
        correction_form = CorrectionForm(request.POST, request.FILES)
        if correction_form.is_valid():
            try:
                services.request_attendance_correction(
                    session, by=request.user, now=timezone.now(), marks=_posted_marks(request.POST),
                    reason=correction_form.cleaned_data["reason"], evidence=correction_form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                correction_form.add_refusal(error)
                status = 400
            else:
                messages.success(request, "考勤更正申请已提交县人社局,批准后更正的考勤才会生效。")
                return redirect("courses:attendance", pk=pk)
        else:
            status = 400
    elif request.method == "POST":
        try:
            created, changed = services.record_attendance(session, by=request.user, now=timezone.now(),
                                                          marks=_posted_marks(request.POST))
        except ValidationError as error:
            _refused(request, error)
            status = 400
        else:
            messages.success(request, f"考勤已保存:新增{created}条,修改{changed}条。")
            return redirect("courses:attendance", pk=pk)
    sheet = AttendanceSheet(training_class)
    rows = [(e, sheet.marks.get((e.pk, session.pk)), sheet.standing(e, p)) for e in sheet.roster_for(session)]
    return render(request, "courses/attendance.html", {
        "session": session, "training_class": training_class, "rows": rows,
        "class_standing": sheet.class_standing(p), "threshold": p.min_attendance_rate, "editable": editable,
        "window": window, "phase": phase, "grace_hours": p.attendance_grace_hours,
        "correction_form": correction_form,
        "corrections": session.corrections.select_related("requested_by", "decided_by").order_by("-requested_at"),
    }, status=status)


@role_required(Role.INSTITUTION, Role.EVALUATOR)
def print_roster(request, pk):
    training_class = _own_class(request, pk)
    sheet = AttendanceSheet(training_class)
    if wants_xlsx(request):
        p = training_class.params()
        return workbook_response(
            f"学员名册-{training_class.code}.xlsx", f"{training_class.code} {training_class.name} 学员名册",
            ["姓名", "身份证号", "性别", "所属乡镇", "联系电话", "报名途径", "状态", "到课率"],
            [[e.trainee.name, e.trainee.masked_id_number, e.trainee.get_sex_display(), e.trainee.township.name,
              e.trainee.masked_phone, e.get_source_display(), "已退学" if e.is_withdrawn else "在册",
              sheet.standing(e, p).rate_so_far] for e in sheet.enrolments])
    return render(request, "courses/print_roster.html", {"training_class": training_class, "sheet": sheet})


@role_required(Role.INSTITUTION, Role.EVALUATOR)
def print_attendance(request, pk):
    training_class = _own_class(request, pk)
    sheet = AttendanceSheet(training_class)
    # Each mark as 到, 缺 or the hours present where only part was attended (never a bare 1), and
    # whether an approved correction wrote it (R20, 三(七)); "" where nothing is recorded.
    grid = [
        (e, [(services.mark_text(m.is_present, m.hours_present), bool(m.correction_id)) if m else ("", False)
             for m in (sheet.marks.get((e.pk, s.pk)) for s in sheet.sessions)])
        for e in sheet.enrolments
    ]
    if wants_xlsx(request):
        per_day = Counter(s.held_on for s in sheet.sessions)
        return workbook_response(
            f"考勤表-{training_class.code}.xlsx", f"{training_class.code} {training_class.name} 考勤表",
            ["姓名", "身份证号", *[session_header(s, per_day[s.held_on]) for s in sheet.sessions]],
            [[e.trainee.name, e.trainee.masked_id_number,
              *[f"{text}(更正)" if corrected else text for text, corrected in marks]] for e, marks in grid])
    return render(request, "courses/print_attendance.html", {
        "training_class": training_class, "sheet": sheet, "grid": grid,
    })


def _import(request, pk, importer_class, *, kind, title, filename):
    """A class's sheet import for its institution's clerk, or for county HR in the admin's frame
    (the same services and rules either way)."""
    training_class = _own_class(request, pk)
    importer = importer_class(user=request.user, training_class=training_class)
    if request.GET.get("template"):
        return template_response(importer, filename.format(code=training_class.code))
    if scope_of(request.user).is_hr:
        frame = {"base_template": "admin/base_site.html", "extra_context": admin.site.each_context(request),
                 "back_url": reverse("admin:courses_trainingclass_change", args=[pk])}
    else:
        frame = {"base_template": "institutions/base.html", "back_url": reverse("courses:class-detail", args=[pk])}
    return handle_import(request, importer, kind=kind, target=training_class.code, title=f"{title}:{training_class.code}",
                         **frame)


@role_required(Role.INSTITUTION, Role.HR)
def import_roster(request, pk):
    """学员名册 from a sheet of ID numbers or voucher codes, each row enrolled through the service."""
    return _import(request, pk, RosterImport, kind="roster", title="导入学员名册", filename="学员名册-{code}.xlsx")


@role_required(Role.INSTITUTION, Role.HR)
def import_attendance(request, pk):
    """考勤表 with one column per session; the template lists the roster and the sessions."""
    return _import(request, pk, AttendanceImport, kind="attendance", title="导入考勤表", filename="考勤表-{code}.xlsx")
