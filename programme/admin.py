from django.contrib import admin, messages
from django.db.models import Count, Sum
from django.urls import reverse

from common.admin_mixins import annotation_column
from common.admin_scope import CountyScopedInline
from common.resources import ReferenceDataAdminMixin
from programme.models import (
    CalendarDay,
    County,
    CountyYear,
    PolicyParameters,
    PolicyYear,
    TargetLine,
    Township,
    TownshipTarget,
)
from programme.policy import FROZEN_PARAMETERS
from programme.resources import TownshipResource, TownshipTargetResource
from programme.selectors import current_policy_year, year_asked


class TargetLineInline(CountyScopedInline, admin.TabularInline):
    model = TargetLine
    extra = 0


class TownshipTargetInline(CountyScopedInline, admin.TabularInline):
    model = TownshipTarget
    county_paths = ("township__county",)
    extra = 0
    autocomplete_fields = ["township"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    """The province's counties (GB/T 2260). County HR see their own."""

    county_paths = ("",)
    list_display = ["code", "name", "city_name"]
    search_fields = ["code", "name", "city_name"]

    def has_add_permission(self, request):
        return self.admin_site.scope_for(request).is_whole_deployment and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.admin_site.scope_for(request).is_whole_deployment and super().has_delete_permission(request, obj)


@admin.register(PolicyYear)
class PolicyYearAdmin(admin.ModelAdmin):
    """The province's template of each year: maintained by the province's supervisor (or HR of the
    whole deployment); each county opens its own year from it (CountyYearAdmin)."""

    reference_editor_roles = ("province_supervisor",)  # accounts.Role.PROVINCE_SUPERVISOR (a layer above)
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
    county_paths = ("county",)
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
    county_paths = ("county",)
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
    county_paths = ("township__county",)
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


@admin.register(CountyYear)
class CountyYearAdmin(admin.ModelAdmin):
    """A county's own year: opened from the province's template of the year (its values are the
    add form's starting point), then set by the county's HR; frozen like the template once the
    county has business that year."""

    county_paths = ("county",)
    list_display = ["county", "policy_year", "annual_target", "max_class_size", "min_attendance_rate",
                    "full_day_rate", "reduced_day_rate", "is_voucher_pilot_on"]
    list_filter = ["policy_year"]
    search_fields = ["county__name", "county__code"]
    fieldsets = [("县(市、区)与年度", {"fields": ["county", "policy_year", "document", "annual_target",
                                              "is_voucher_pilot_on"]}),
                 *PolicyYearAdmin.fieldsets[1:]]

    def get_changeform_initial_data(self, request):
        """The template of the year asked (?policy_year=), else of the current year."""
        initial = super().get_changeform_initial_data(request)
        year = year_asked(request.GET.get("policy_year", ""))
        template = PolicyYear.objects.filter(year=year).first() if year else current_policy_year()
        if template is not None:
            initial.update({f.name: getattr(template, f.name) for f in PolicyParameters._meta.fields})
            initial["policy_year"] = template.pk
        scope = self.admin_site.scope_for(request)
        if scope.county_id:
            initial["county"] = scope.county_id
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.frozen_reason():
            return [*super().get_readonly_fields(request, obj), *FROZEN_PARAMETERS, "county", "policy_year"]
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "county", "policy_year"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        """A frozen year stays: deleting it would put the county's business of the year under the
        template's rules."""
        return super().has_delete_permission(request, obj) and (obj is None or not obj.frozen_reason())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        county_year = self.get_object(request, object_id)
        if request.method == "GET" and county_year is not None and (reason := county_year.frozen_reason()):
            messages.warning(request, reason)
        return super().change_view(request, object_id, form_url, extra_context)
