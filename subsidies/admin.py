from django.contrib import admin
from django.db.models import Count, Q
from simple_history.admin import SimpleHistoryAdmin

from skills_program.admin_mixins import IdNumberSearchMixin, masked_id_column
from subsidies.models import ClaimLine, SmallEnterpriseSubsidy, SubsidyClaim, Voucher
from subsidies.policy import small_enterprise_subsidy_amount


@admin.register(Voucher)
class VoucherAdmin(IdNumberSearchMixin, SimpleHistoryAdmin):
    id_number_lookup = "holder__id_number"
    list_display = ["code", "holder_name", "masked_id", "township", "issued_on", "expires_on", "status",
                    "redeemed_on"]
    list_filter = ["status", "policy_year", "township"]
    search_fields = ["code", "holder__name"]
    ordering = ["-issued_on", "-pk"]
    list_select_related = ["holder", "township"]
    raw_id_fields = ["holder"]
    autocomplete_fields = ["township"]
    readonly_fields = ["status", "enrolment", "redeemed_on", "issued_by"]
    masked_id = masked_id_column("holder.id_number")

    @admin.display(description="持券人", ordering="holder__name")
    def holder_name(self, obj):
        return obj.holder.name

    def save_model(self, request, obj, form, change):
        if not change:
            obj.issued_by = request.user
        super().save_model(request, obj, form, change)


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = ["enrolment", "training_days", "total_subsidy_amount", "first_amount", "second_amount", "amount",
              "placement_reward_amount", "reason", "is_void", "void_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrolment__trainee", "enrolment__training_class")


CLAIM_WORKFLOW = ["status", "total_amount", "created_by", "created_at", "submitted_by", "submitted_at",
                  "reviewed_by", "reviewed_at", "approved_by", "approved_at", "publicity_starts_on",
                  "publicity_ends_on", "paid_by", "paid_at", "payment_reference", "return_reason"]


@admin.register(SubsidyClaim)
class SubsidyClaimAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "institution", "instalment", "line_count", "total_amount", "status", "submitted_at",
                    "approved_at", "paid_at"]
    list_filter = ["status", "instalment", "training_class__policy_year", "institution"]
    search_fields = ["training_class__code", "training_class__name", "institution__name", "payment_reference"]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["training_class", "institution"]
    autocomplete_fields = ["institution", "training_class"]
    readonly_fields = CLAIM_WORKFLOW
    fieldsets = [
        ("申领", {"fields": ["institution", "training_class", "instalment"]}),
        ("金额与流程(由系统生成,初审人与审批人须为两人)", {"fields": CLAIM_WORKFLOW}),
    ]
    inlines = [ClaimLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_line_count=Count("lines", filter=Q(lines__is_void=False)))

    @admin.display(description="人数", ordering="_line_count")
    def line_count(self, obj):
        return obj._line_count

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*CLAIM_WORKFLOW, "institution", "training_class", "instalment"]
        return CLAIM_WORKFLOW

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ClaimLine)
class ClaimLineAdmin(IdNumberSearchMixin, SimpleHistoryAdmin):
    id_number_lookup = "enrolment__trainee__id_number"
    list_display = ["claim", "trainee_name", "masked_id", "instalment", "training_days", "total_subsidy_amount",
                    "amount", "placement_reward_amount", "is_void"]
    list_filter = ["instalment", "is_void", "claim__status", "claim__institution"]
    search_fields = ["enrolment__trainee__name", "claim__training_class__code"]
    ordering = ["-pk"]
    list_select_related = ["claim__training_class", "enrolment__trainee", "enrolment__training_class"]
    readonly_fields = ["claim", "enrolment", "instalment", "training_days", "total_subsidy_amount", "first_amount",
                       "second_amount", "amount", "placement_reward_amount", "reason", "is_void", "void_reason"]
    masked_id = masked_id_column("enrolment.trainee.id_number")

    def has_add_permission(self, request):
        return False

    @admin.display(description="学员", ordering="enrolment__trainee__name")
    def trainee_name(self, obj):
        return obj.enrolment.trainee.name


@admin.register(SmallEnterpriseSubsidy)
class SmallEnterpriseSubsidyAdmin(IdNumberSearchMixin, SimpleHistoryAdmin):
    id_number_lookup = "hire__id_number"
    list_display = ["enterprise_name", "hire_name", "masked_id", "contract_starts_on", "contract_months", "stage",
                    "amount", "status"]
    list_filter = ["stage", "status", "policy_year"]
    search_fields = ["enterprise_name", "enterprise_credit_code", "hire__name"]
    ordering = ["-contract_starts_on", "-pk"]
    list_select_related = ["hire"]
    raw_id_fields = ["hire", "certificate"]
    readonly_fields = ["amount", "status", "approved_by", "approved_at"]
    masked_id = masked_id_column("hire.id_number")

    @admin.display(description="新招用人员", ordering="hire__name")
    def hire_name(self, obj):
        return obj.hire.name

    def save_model(self, request, obj, form, change):
        # The amount is the policy year's standard for the stage (R15), never typed.
        obj.amount = small_enterprise_subsidy_amount(stage=obj.stage, p=obj.policy_year.params())
        super().save_model(request, obj, form, change)
