from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Coalesce

from courses import policy, services
from courses.forms import PLAN_FIELDS, DecisionForm, TrainingClassAdminForm
from courses.models import (
    AttendanceRecord,
    ClassStatus,
    ClassTransition,
    Enrolment,
    Occupation,
    ParallelClassApproval,
    Session,
    Textbook,
    TrainingClass,
)
from skills_program.admin_mixins import (
    Change,
    DecisionButtonsMixin,
    HistoryAdmin,
    IdNumberSearchMixin,
    LargeTablePaginator,
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


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["name", "policy_year", "code", "industry", "certificate_kind", "is_key_trade",
                    "has_national_standard", "has_enterprise_specification", "class_count"]
    list_filter = ["policy_year", "industry", "certificate_kind", "is_key_trade"]
    search_fields = ["name", "code"]
    ordering = ["-policy_year_id", "industry", "name"]
    list_select_related = ["policy_year"]
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
    inlines = [TextbookInline, SessionInline, ClassTransitionInline]
    actions = ["approve_selected", "return_selected", "reject_selected"]
    form = TrainingClassAdminForm
    decisions = DECISIONS
    transitions = policy.TRANSITIONS

    def get_readonly_fields(self, request, obj=None):
        """Once submitted, an application's plan is what HR decides on: it is no longer edited."""
        if obj is not None and obj.status not in policy.EDITABLE_STATUSES:
            return [*WORKFLOW_FIELDS, "results_link", "policy_year", "code", "institution", *PLAN_FIELDS]
        return [*WORKFLOW_FIELDS, "results_link"]

    @admin.display(description="表格与发证")
    def results_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        if obj is None or obj.pk is None:
            return "—"
        links = []
        if obj.status in ("approved", "in_progress"):
            links.append(format_html('<a href="{}">表格导入名册</a>', reverse("courses:import-roster", args=[obj.pk])))
        if obj.status == "in_progress":
            links.append(format_html('<a href="{}">表格导入考勤</a>', reverse("courses:import-attendance", args=[obj.pk])))
        if obj.status in ("completed", "closed"):
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


@admin.register(Textbook)
class TextbookAdmin(admin.ModelAdmin):
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
    name_prefix_fields = ("enrolment__trainee__name",)
    code_prefix_fields = ("enrolment__training_class__code",)
    id_number_lookup = "enrolment__trainee__id_number"
    list_display = ["trainee_name", "masked_id", "class_code", "session_day", "is_present", "hours_present",
                    "recorded_by", "recorded_at"]
    list_filter = ["is_present", "session__kind", "enrolment__training_class__institution"]
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

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
