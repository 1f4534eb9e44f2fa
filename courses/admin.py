from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from common.admin_mixins import (
    Change,
    DecisionButtonsMixin,
    HistoryAdmin,
    IdNumberSearchMixin,
    LargeTablePaginator,
    NoDeleteMixin,
    PrefixSearchMixin,
    ReadOnlyAdminMixin,
    annotation_column,
    masked_id_column,
    refusals,
    related_column,
    related_count,
    related_sum,
    service_action,
    status_labels,
)
from common.resources import ReferenceDataAdminMixin
from courses import policy, services
from courses.forms import PLAN_FIELDS, DecisionForm, TrainingClassAdminForm
from courses.models import (
    AttendanceCorrection,
    AttendanceRecord,
    ClassDecision,
    ClassStatus,
    ClassTransition,
    CorrectionStatus,
    Enrolment,
    Occupation,
    ParallelClassApproval,
    Session,
    SessionKind,
    Textbook,
    TrainingClass,
    Voucher,
    VoucherStatus,
)
from courses.resources import OccupationResource


@admin.register(Occupation)
class OccupationAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["name", "policy_year", "code", "industry", "certificate_kind", "is_key_trade",
                    "has_national_standard", "has_enterprise_specification", "class_count"]
    list_filter = ["policy_year", "industry", "certificate_kind", "is_key_trade"]
    search_fields = ["name", "code"]
    ordering = ["-policy_year_id", "industry", "name"]
    list_select_related = ["policy_year"]
    resource_classes = [OccupationResource]
    fieldsets = [
        (None, {"fields": ["policy_year", "name", "code", "industry", "is_key_trade"]}),
        ("标准与证书(R9、R12)", {"fields": ["has_national_standard", "has_enterprise_specification",
                                          "standard_reference", "certificate_kind"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_class_count=Count("classes"))

    class_count = annotation_column("_class_count", "培训班数")


@admin.register(ParallelClassApproval)
class ParallelClassApprovalAdmin(admin.ModelAdmin):
    county_paths = ("institution__years__county", "institution__township__county")
    list_display = ["institution", "occupation", "approved_on", "approved_by"]
    list_filter = ["occupation__policy_year", "institution"]
    search_fields = ["institution__name", "occupation__name"]
    ordering = ["-approved_on"]
    list_select_related = ["institution", "occupation", "approved_by"]
    autocomplete_fields = ["institution", "occupation"]
    readonly_fields = ["approved_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.approved_by = request.user
        super().save_model(request, obj, form, change)


class FrozenAfterSubmissionMixin:
    """The textbooks of an application are part of what HR decides on (R17): they change only
    while the class is a draft or returned."""

    def _editable(self, obj):
        training_class = getattr(obj, "training_class", obj)
        return training_class is None or training_class.status in policy.EDITABLE_STATUSES

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class TextbookInline(FrozenAfterSubmissionMixin, admin.TabularInline):
    model = Textbook
    extra = 0


class SessionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Session
    extra = 0
    fields = ["held_on", "starts_at", "hours", "kind", "topic", "teacher"]
    readonly_fields = fields


class ClassTransitionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClassTransition
    extra = 0
    fields = ["acted_at", "acted_by", "from_status", "to_status", "note", "acknowledged_warnings"]


class ClassDecisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClassDecision
    extra = 0
    fields = ["decided_at", "decided_by", "kind", "previous_start_on", "previous_end_on", "new_start_on",
              "new_end_on", "delivered_practical_share", "reason"]
    readonly_fields = fields


class RescheduleForm(forms.Form):
    """County HR's reschedule of an approved class not yet started (R21)."""

    start_on = forms.DateField(label="调整后开班日期")
    end_on = forms.DateField(label="调整后结业日期")
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请写明调整培训日期的理由。"})


class ReasonForm(forms.Form):
    """A recorded decision's reason (R22)."""

    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="写明实操课时不足的情况和准予结业的依据,将记入培训班档案。",
                             error_messages={"required": "请写明准予结业的理由。"})


# The decisions on an application: the admin action, the status it leads to, the button's label.
DECISIONS = {
    "approve": ("approve_selected", ClassStatus.APPROVED, "批准开班"),
    "return": ("return_selected", ClassStatus.RETURNED, "退回修改"),
    "reject": ("reject_selected", ClassStatus.REJECTED, "不予批准"),
}
SERVICES = {"approve": services.approve_class, "return": services.return_class, "reject": services.reject_class}


WORKFLOW_FIELDS = ["status", "created_by", "created_at", "submitted_by", "submitted_at", "decided_by", "decided_at",
                   "decision_note", "started_on", "completed_on", "closed_at", "cancelled_at"]


@admin.register(TrainingClass)
class TrainingClassAdmin(DecisionButtonsMixin, HistoryAdmin):
    county_paths = ("county",)
    list_display = ["code", "name", "institution", "occupation", "planned_start_on", "planned_end_on",
                    "capacity", "enrolled_count", "session_days", "status"]
    list_filter = ["status", "policy_year", "target_line", "training_mode", "institution", "occupation__industry"]
    search_fields = ["code", "name", "institution__name", "occupation__name", "venue"]
    ordering = ["-planned_start_on", "-pk"]
    list_select_related = ["institution", "occupation"]
    autocomplete_fields = ["institution", "occupation"]
    readonly_fields = WORKFLOW_FIELDS
    fieldsets = [
        ("班级", {"fields": ["policy_year", "code", "name", "institution", "occupation", "target_line",
                           "training_mode"]}),
        ("计划(R1、R4、R5)", {"fields": ["planned_start_on", "planned_end_on", "planned_days", "total_hours",
                                       "practical_hours", "capacity", "venue"]}),
        ("开班申请材料(R17)", {"fields": ["teachers", "roster_plan", "syllabus", "teaching_plan",
                                         "assessment_plan"]}),
        ("状态与审批", {"fields": [*WORKFLOW_FIELDS, "results_link"]}),
    ]
    inlines = [TextbookInline, SessionInline, ClassTransitionInline, ClassDecisionInline]
    actions = ["approve_selected", "return_selected", "reject_selected", "reschedule_selected",
               "allow_low_practical_share_selected"]
    form = TrainingClassAdminForm
    decisions = DECISIONS
    transitions = policy.TRANSITIONS
    # The decision buttons and a link to the class's photo wall (checkin's admin, 三(七) 视频调阅).
    change_form_template = "admin/courses/trainingclass/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        """Once submitted, an application's plan is what HR decides on: it is no longer edited."""
        if obj is not None and obj.status not in policy.EDITABLE_STATUSES:
            return [*WORKFLOW_FIELDS, "results_link", "policy_year", "code", "institution", *PLAN_FIELDS]
        return [*WORKFLOW_FIELDS, "results_link"]

    @admin.display(description="表格与发证")
    def results_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        links = []
        if obj.status in ("approved", "in_progress"):
            links.append(format_html('<a href="{}">表格导入名册</a>', reverse("courses:import-roster", args=[obj.pk])))
        if obj.status == "in_progress":
            links.append(format_html('<a href="{}">表格导入考勤</a>', reverse("courses:import-attendance", args=[obj.pk])))
        if obj.status in policy.FINISHED_STATUSES:
            links.append(format_html('<a href="{}">录入考核结果、核发证书</a>', reverse("certification:results", args=[obj.pk])))
            links.append(format_html('<a href="{}">表格导入考核结果</a>',
                                     reverse("certification:import-results", args=[obj.pk])))
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _enrolled_count=related_count(Enrolment, "training_class", is_withdrawn=False),
            _session_days=related_count(Session, "training_class", distinct="held_on"),
        )

    enrolled_count = annotation_column("_enrolled_count", "在册人数")

    session_days = annotation_column("_session_days", "已排课天数")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="批准所选开班申请")
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, "approve")

    @admin.action(description="退回所选开班申请(须写明原因)")
    def return_selected(self, request, queryset):
        return self._decide(request, queryset, "return")

    @admin.action(description="不批准所选开班申请(须写明原因)")
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, "reject")

    @admin.action(description="调整所选班级的培训日期(延期开班,须写明理由)")
    def reschedule_selected(self, request, queryset):
        """R21: a class that can no longer start by its planned end date starts only after HR moves
        its dates; the service checks the plan (R5), the sessions and the roster (R16) again."""
        today = timezone.localdate()

        def preview(tc):
            change = Change(tc, f"{tc.code} {tc.name}", details=[
                f"原计划:{tc.planned_start_on:%Y-%m-%d}至{tc.planned_end_on:%Y-%m-%d},{tc.planned_days}天"])
            if tc.status != ClassStatus.APPROVED:
                change.problems = ["只有已批准、尚未开班的班级可以调整培训日期。"]
            return change

        return service_action(
            self, request, queryset.select_related("institution", "occupation", "policy_year"),
            label="调整培训日期", form_class=RescheduleForm, preview=preview,
            call=lambda tc, user, data: services.reschedule_class(
                tc, by=user, start_on=data["start_on"], end_on=data["end_on"], reason=data["reason"], today=today),
        )

    @admin.action(description="实操占比不足准予结业(记录决定,须写明理由)")
    def allow_low_practical_share_selected(self, request, queryset):
        """R22: completion below the R4 minimum of delivered practical hours needs HR's recorded
        decision; the delivered share is recorded with it."""
        def preview(tc):
            change = Change(tc, f"{tc.code} {tc.name}")
            if tc.status != ClassStatus.IN_PROGRESS:
                change.problems = ["只有培训中的班级需要实操占比的结业决定。"]
            return change

        return service_action(
            self, request, queryset.select_related("institution", "occupation", "policy_year"),
            label="实操占比不足准予结业", form_class=ReasonForm, preview=preview,
            call=lambda tc, user, data: services.record_practical_share_decision(tc, by=user, reason=data["reason"]),
        )

    def decision_preview(self, request, training_class, decision):
        """What a decision changes on one application; approving re-checks every rule (R1, R2, R4,
        R5, R9, R10, R12, R17): refusals block it, warnings (R4 below the target) must be
        acknowledged."""
        tc = training_class
        _, target, _ = DECISIONS[decision]
        before, after = status_labels(tc, target)
        change = Change(tc, f"{tc.code} {tc.name}", before, after, details=[
            f"培训机构:{tc.institution.name}", f"职业(工种):{tc.occupation.name}",
            f"计划:{tc.planned_start_on:%Y-%m-%d}至{tc.planned_end_on:%Y-%m-%d},{tc.planned_days}天,"
            f"{tc.total_hours}课时(实操{tc.practical_hours}),班容量{tc.capacity}人",
        ])
        change.problems = refusals(lambda: policy.ensure_transition(tc.status, target, labels=services.STATUS_LABELS))
        if decision == "approve" and not change.problems:
            try:
                change.warnings = [warning.messages[0] for warning in services.check_application(tc)]
            except ValidationError as error:
                change.problems = error.messages
        return change

    def _decide(self, request, queryset, decision):
        """The confirmation page of a decision on the selected applications; on confirm, all of
        them are decided through the services in one transaction, or none."""
        action, _, label = DECISIONS[decision]
        service = SERVICES[decision]

        def require(form, changes):
            note = form.fields["note"]
            if decision == "approve":
                note.label, note.help_text = "审批意见", "可不填。"
                if any(change.warnings for change in changes):
                    tick = form.fields["acknowledge_warnings"]
                    tick.required = True
                    tick.label = "已阅读以上提示,仍批准开班"
                    tick.error_messages["required"] = "存在提示:请阅读提示并勾选「已阅读以上提示,仍批准开班」后再确认。"
                else:
                    del form.fields["acknowledge_warnings"]
            else:
                del form.fields["acknowledge_warnings"]
                note.required, note.label, note.help_text = True, "原因", "将告知培训机构。"
                note.error_messages["required"] = "请写明原因,以便培训机构修改。"

        def call(training_class, user, data):
            if decision == "approve":
                return service(training_class, by=user, note=data["note"],
                               acknowledge_warnings=data.get("acknowledge_warnings", False))
            return service(training_class, by=user, reason=data["note"])

        return service_action(
            self, request, queryset.select_related("institution", "occupation", "policy_year"), label=label,
            call=call, form_class=DecisionForm, require=require,
            preview=lambda tc: self.decision_preview(request, tc, decision),
        )


@admin.register(ClassTransition)
class ClassTransitionAdmin(admin.ModelAdmin):
    county_paths = ("training_class__county",)
    list_display = ["training_class", "from_status", "to_status", "acted_by", "acted_at", "note"]
    list_filter = ["to_status", "training_class__institution"]
    search_fields = ["training_class__code", "training_class__name", "note"]
    ordering = ["-acted_at", "-pk"]
    list_select_related = ["training_class", "acted_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClassDecision)
class ClassDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """HR's recorded decisions on classes (R21 reschedules, R22 completions below the practical
    minimum): made through the actions on 培训班, audited here."""
    county_paths = ("training_class__county",)

    list_display = ["training_class", "kind", "previous_start_on", "new_start_on", "new_end_on",
                    "delivered_practical_share", "decided_by", "decided_at"]
    list_filter = ["kind", "training_class__institution"]
    search_fields = ["training_class__code", "training_class__name", "reason"]
    ordering = ["-decided_at", "-pk"]
    list_select_related = ["training_class", "decided_by"]


@admin.register(Textbook)
class TextbookAdmin(admin.ModelAdmin):
    county_paths = ("training_class__county",)
    list_display = ["title", "publisher", "isbn", "training_class"]
    search_fields = ["title", "publisher", "isbn", "training_class__code"]
    ordering = ["title"]
    list_select_related = ["training_class"]
    autocomplete_fields = ["training_class"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.training_class.status in policy.EDITABLE_STATUSES)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or obj.training_class.status in policy.EDITABLE_STATUSES)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdminMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("training_class__county",)
    name_prefix_fields = ("trainee__name",)
    code_prefix_fields = ("training_class__code",)
    id_number_lookup = "trainee__id_number"
    list_display = ["trainee_name", "masked_id", "training_class", "institution", "source", "enrolled_on",
                    "attended_hours", "is_withdrawn"]
    list_filter = ["is_withdrawn", "source", "training_class__policy_year", "training_class__institution",
                   "trainee__township"]
    search_fields = ["trainee__name", "training_class__code", "training_class__name"]
    ordering = ["-pk"]
    list_select_related = ["trainee", "training_class", "training_class__institution"]
    autocomplete_fields = ["trainee", "training_class"]
    readonly_fields = ["enrolled_by"]
    fieldsets = [
        (None, {"fields": ["training_class", "trainee", "source", "category", "enrolled_on", "enrolled_by"]}),
        ("退学", {"fields": ["is_withdrawn", "withdrawn_on", "withdrawal_reason"]}),
    ]
    show_full_result_count = False
    masked_id = masked_id_column("trainee.id_number")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _attended_hours=related_sum(AttendanceRecord, "enrolment", Coalesce("hours_present", "session__hours"),
                                        is_present=True),
        )

    trainee_name = related_column("trainee.name", "学员")

    @admin.display(description="培训机构", ordering="training_class__institution__name")
    def institution(self, obj):
        return obj.training_class.institution

    @admin.display(description="出勤课时", ordering="_attended_hours")
    def attended_hours(self, obj):
        return obj._attended_hours or 0

    def save_model(self, request, obj, form, change):
        if not change:
            obj.enrolled_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    county_paths = ("training_class__county",)
    paginator = LargeTablePaginator
    show_full_result_count = False
    list_display = ["training_class", "held_on", "starts_at", "kind", "hours", "topic", "teacher", "present_count",
                    "absent_count"]
    list_filter = ["kind", "training_class__policy_year", "training_class__institution"]
    search_fields = ["training_class__code", "training_class__name", "topic", "teacher"]
    ordering = ["-held_on", "training_class"]
    list_select_related = ["training_class"]
    autocomplete_fields = ["training_class"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _present=related_count(AttendanceRecord, "session", is_present=True),
            _absent=related_count(AttendanceRecord, "session", is_present=False),
        )

    present_count = annotation_column("_present", "出勤人数")

    absent_count = annotation_column("_absent", "缺勤人数")


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(ReadOnlyAdminMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("session__training_class__county",)
    name_prefix_fields = ("enrolment__trainee__name",)
    code_prefix_fields = ("enrolment__training_class__code",)
    id_number_lookup = "enrolment__trainee__id_number"
    list_display = ["trainee_name", "masked_id", "class_code", "session_day", "is_present", "hours_present",
                    "recorded_by", "recorded_at", "corrected"]
    list_filter = ["is_present", ("correction", admin.EmptyFieldListFilter), "session__kind",
                   "enrolment__training_class__institution"]
    search_fields = ["enrolment__trainee__name", "enrolment__training_class__code"]
    # Newest marks first by key: sorting ten million marks by their session's date cannot use an index.
    ordering = ["-pk"]
    list_select_related = ["enrolment__trainee", "enrolment__training_class", "session", "recorded_by"]
    raw_id_fields = ["enrolment", "session"]
    readonly_fields = ["recorded_by", "recorded_at"]
    show_full_result_count = False
    masked_id = masked_id_column("enrolment.trainee.id_number")

    trainee_name = related_column("enrolment.trainee.name", "学员")

    class_code = related_column("enrolment.training_class.code", "班级")

    session_day = related_column("session.held_on", "上课日期")

    @admin.display(description="经批准更正", boolean=True)
    def corrected(self, obj):
        """R20 (三(七)): a mark entered after its session's window through a correction HR approved."""
        return obj.correction_id is not None

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class CorrectionDecisionForm(forms.Form):
    """County HR's decision on attendance corrections (R20): a note when approving, the reason
    when refusing."""

    note = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="不批准时必须写明原因,培训机构在考勤页面可以看到。")


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """考勤更正申请 (R20, 《实施方案》三(七) 实时监控、严格考勤): marks asked for after a session's
    window closed; HR approves (the marks are applied and labelled as corrected) or refuses, and
    both decisions are recorded."""
    county_paths = ("training_class__county",)

    list_display = ["class_code", "session_day", "mark_count", "reason", "status", "requested_by", "requested_at",
                    "decided_by", "decided_at"]
    list_filter = ["status", "training_class__institution"]
    search_fields = ["training_class__code", "reason"]
    ordering = ["-requested_at", "-pk"]
    list_select_related = ["training_class", "session__training_class", "requested_by", "decided_by"]
    readonly_fields = ["training_class", "session", "new_session_shown", "marks_shown", "reason", "evidence_link",
                       "status", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note"]
    fields = readonly_fields
    actions = ["approve_selected", "refuse_selected"]

    class_code = related_column("training_class.code", "班级")

    @admin.display(description="上课日期")
    def session_day(self, obj):
        return obj.session.held_on if obj.session else f"补排 {obj.new_session['held_on']}"

    @admin.display(description="补排课次")
    def new_session_shown(self, obj):
        if not obj.new_session:
            return "—"
        wanted = obj.new_session
        return (f"{wanted['held_on']} {wanted.get('starts_at') or ''} {wanted['hours']}课时 "
                f"{dict(SessionKind.choices).get(wanted['kind'], wanted['kind'])} {wanted.get('topic', '')}")

    @admin.display(description="学员数")
    def mark_count(self, obj):
        return len(obj.marks)

    @admin.display(description="证明材料")
    def evidence_link(self, obj):
        """The evidence through the scoped document view, named by its type, never by its path."""
        if not obj.evidence:
            return "未上传"
        return format_html('<a href="{}">下载证明材料</a>', obj.evidence.url)

    @admin.display(description="更正考勤")
    def marks_shown(self, obj):
        return ";".join(self._mark_lines(obj))

    @staticmethod
    def _mark_lines(obj):
        if not obj.marks or obj.session is None:
            return []
        enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=[int(k) for k in obj.marks])
                      .select_related("trainee")}
        stored = {m.enrolment_id: m for m in obj.session.attendance.filter(enrolment_id__in=enrolments)}

        def shown(is_present, hours):
            return ("到" if hours is None else f"到{hours}课时") if is_present else "缺"

        lines = []
        for key, value in obj.marks.items():
            enrolment = enrolments.get(int(key))
            name = enrolment.trainee.name if enrolment else f"名册{key}"
            old = stored.get(int(key))
            before = shown(old.is_present, old.hours_present) if old else "未记录"
            try:
                after = shown(*services.parse_mark(value, obj.session.hours))
            except ValidationError:
                after = value
            lines.append(f"{name}:{before} → {after}")
        return lines

    def _preview(self, obj, target):
        change = Change(obj, f"{obj.training_class.code} {self.session_day(obj)} 考勤更正",
                        *status_labels(obj, target), details=[
                            f"原因:{obj.reason}", *([f"补排课次:{self.new_session_shown(obj)}"] if obj.new_session else []),
                            *self._mark_lines(obj)])
        if obj.status != CorrectionStatus.PENDING:
            change.problems = ["该申请已处理,不能重复审批。"]
        return change

    @admin.action(description="批准所选考勤更正(更正的考勤随即生效)")
    def approve_selected(self, request, queryset):
        now = timezone.now()
        return service_action(
            self, request, queryset.select_related("training_class", "session"), label="批准考勤更正",
            form_class=CorrectionDecisionForm, preview=lambda obj: self._preview(obj, CorrectionStatus.APPROVED),
            call=lambda obj, user, data: services.approve_attendance_correction(obj, by=user, now=now,
                                                                                note=data["note"]),
        )

    @admin.action(description="不批准所选考勤更正(须写明原因)")
    def refuse_selected(self, request, queryset):
        now = timezone.now()
        return service_action(
            self, request, queryset.select_related("training_class", "session"), label="不批准考勤更正",
            form_class=CorrectionDecisionForm, preview=lambda obj: self._preview(obj, CorrectionStatus.REFUSED),
            call=lambda obj, user, data: services.refuse_attendance_correction(obj, by=user, now=now,
                                                                               reason=data["note"]),
        )


@admin.register(Voucher)
class VoucherAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("township__county",)
    name_prefix_fields = ("holder__name",)
    code_prefix_fields = ("code",)
    id_number_lookup = "holder__id_number"
    list_display = ["code", "holder_name", "masked_id", "township", "issued_on", "expires_on", "status",
                    "redeemed_on"]
    list_filter = ["status", "policy_year", "township"]
    search_fields = ["code", "holder__name"]
    ordering = ["-issued_on", "-pk"]
    list_select_related = ["holder", "township"]
    readonly_fields = ["code", "holder", "township", "policy_year", "issued_on", "expires_on", "status", "enrolment",
                       "redeemed_on", "issued_by"]
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        # Townships issue vouchers with an unguessable code through the service (R14, 四(三)).
        return False

    @admin.action(description="作废所选培训券")
    def cancel_selected(self, request, queryset):
        def preview(voucher):
            before, after = status_labels(voucher, VoucherStatus.CANCELLED)
            problems = [] if voucher.status == VoucherStatus.ISSUED else ["只有未使用的培训券可以作废。"]
            return Change(voucher, f"{voucher.code}({voucher.holder.name})", before, after,
                          details=[f"有效期至{voucher.expires_on:%Y-%m-%d}"], problems=problems)

        return service_action(self, request, queryset.select_related("holder"), label="作废", form_class=ReasonForm,
                              preview=preview,
                              call=lambda v, u, d: services.cancel_voucher(v, by=u, reason=d["reason"]))
    masked_id = masked_id_column("holder.id_number")

    holder_name = related_column("holder.name", "持券人")
