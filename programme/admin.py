from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.urls import reverse

from common.admin_mixins import annotation_column
from common.resources import ReferenceDataAdminMixin
from programme.models import CalendarDay, PolicyYear, TargetLine, Township, TownshipTarget
from programme.policy import FROZEN_PARAMETERS
from programme.resources import TownshipResource, TownshipTargetResource


class TargetLineInline(admin.TabularInline):
    model = TargetLine
    extra = 0


class TownshipTargetInline(admin.TabularInline):
    model = TownshipTarget
    extra = 0
    autocomplete_fields = ["township"]


@admin.register(PolicyYear)
class PolicyYearAdmin(admin.ModelAdmin):
    list_display = ["year", "annual_target", "target_line_total", "max_class_size", "min_attendance_rate",
                    "full_day_rate", "reduced_day_rate", "is_voucher_pilot_on", "is_closed"]
    list_filter = ["is_closed", "is_voucher_pilot_on"]
    search_fields = ["year"]
    ordering = ["-year"]
    fieldsets = [
        ("年度", {"fields": ["year", "document", "annual_target", "is_closed", "is_voucher_pilot_on"]}),
        ("开班标准(R1、R2、R4、R5)", {"fields": [
            "max_class_size", "max_parallel_classes", "max_parallel_classes_approved",
            "min_practical_share", "target_practical_share",
            "standard_days", "standard_hours", "max_days", "max_hours", "max_hours_per_day"]}),
        ("到课与学员(R3、R13、R16、R20)", {"fields": [
            "min_attendance_rate", "attendance_grace_hours", "min_age", "max_age", "max_subsidised_trainings"]}),
        ("补贴标准(R6、R7、R8、R18、R19)", {"fields": [
            "full_day_rate", "reduced_day_rate", "full_rate_days", "first_instalment_share",
            "employment_window_months", "placement_reward_amount", "claim_deadline_months",
            "publicity_working_days"]}),
        ("系统监测(《实施方案》三(七))", {"fields": [
            "backfill_min_days", "backfill_sitting_minutes", "max_correction_share", "photos_per_session",
            "min_check_in_share", "uncoded_employer_max_hires"]}),
        ("机构年度绩效(R11)", {"fields": ["min_pass_rate", "min_employment_rate"]}),
        ("小微企业培训补贴(R15)", {"fields": [
            "small_enterprise_hire_amount", "small_enterprise_min_contract_months",
            "small_enterprise_upgrade_amount", "small_enterprise_upgrade_window_months"]}),
    ]
    inlines = [TargetLineInline, TownshipTargetInline]

    # A county edits its townships' targets on the year's page; a province's 1,400 townships are
    # edited in the 乡镇年度任务 list instead (a form of 1,400 rows is neither usable nor fast).
    max_inline_township_targets = 100

    def get_inlines(self, request, obj):
        if obj is not None and obj.township_targets.count() > self.max_inline_township_targets:
            return [TargetLineInline]
        return self.inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        year = self.get_object(request, object_id)
        if request.method == "GET" and year is not None and (reason := year.frozen_reason()):
            messages.warning(request, reason)
        if request.method == "GET" and year is not None and TownshipTargetInline not in self.get_inlines(request, year):
            url = reverse("admin:programme_townshiptarget_changelist")
            messages.info(request, f"本年度共{year.township_targets.count()}个乡镇任务,请在“乡镇年度任务”列表中修改:"
                                   f"{url}?policy_year__year__exact={year.year}")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        """A year with business shows its rule parameters read-only; the page says why
        (PolicyYear.frozen_reason). The supervision thresholds and the voucher switch stay open."""
        if obj is not None and obj.frozen_reason():
            return [*super().get_readonly_fields(request, obj), *FROZEN_PARAMETERS]
        return super().get_readonly_fields(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_target_line_total=Sum("target_lines__target_count"))

    @admin.display(description="分类任务合计(人)", ordering="_target_line_total")
    def target_line_total(self, obj):
        return obj._target_line_total or 0


@admin.register(TargetLine)
class TargetLineAdmin(admin.ModelAdmin):
    list_display = ["name", "policy_year", "responsible_unit", "target_count", "class_count"]
    list_filter = ["policy_year"]
    search_fields = ["name", "responsible_unit"]
    ordering = ["-policy_year_id", "sort_order"]
    list_select_related = ["policy_year"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_class_count=Count("classes"))

    class_count = annotation_column("_class_count", "培训班数")


@admin.register(Township)
class TownshipAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "code", "county", "trainee_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["pk"]
    resource_classes = [TownshipResource]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_trainee_count=Count("trainees"))

    trainee_count = annotation_column("_trainee_count", "登记学员数")


@admin.register(TownshipTarget)
class TownshipTargetAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["township", "policy_year", "target_count"]
    list_editable = ["target_count"]
    list_filter = ["policy_year", "township__county"]
    search_fields = ["township__name"]
    ordering = ["-policy_year_id", "township"]
    list_select_related = ["township", "policy_year"]
    autocomplete_fields = ["township"]
    resource_classes = [TownshipTargetResource]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    ordering = ["-day"]
