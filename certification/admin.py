from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from certification import policy, services
from certification.models import Assessment, Certificate, EmploymentRecord, EvaluationBody, EvaluationPlan
from skills_program.admin_mixins import (
    Change,
    HistoryAdmin,
    IdNumberSearchMixin,
    NoDeleteMixin,
    PrefixSearchMixin,
    annotation_column,
    masked_id_column,
    related_column,
    service_action,
)


class CertificateAdminForm(forms.ModelForm):
    """HR records certificates it issues (and corrections) under the same R12 rules as the portal."""

    class Meta:
        model = Certificate
        fields = ["trainee", "enrolment", "occupation", "kind", "level", "number", "evaluation_body", "issuer_name",
                  "issued_on"]

    def clean(self):
        data = super().clean()
        enrolment, occupation = data.get("enrolment"), data.get("occupation")
        if enrolment is not None and occupation is not None and data.get("issued_on") and data.get("kind"):
            body = data.get("evaluation_body")
            assessment = Assessment.objects.filter(enrolment=enrolment).first()
            policy.ensure_certificate_matches(
                occupation_kind=occupation.certificate_kind, kind=data["kind"], level=data.get("level", ""),
                passed=assessment is not None and assessment.result == "passed", issued_on=data["issued_on"],
                class_end_on=enrolment.training_class.end_on, today=timezone.localdate(),
                has_evaluation_body=body is not None,
                body_plan_published_for_occupation=body is not None and services.plan_covers(body, occupation),
            )
            if enrolment.trainee_id != getattr(data.get("trainee"), "pk", None):
                raise forms.ValidationError("持证人与学员名册中的学员不一致。", code="trainee_mismatch")
            if enrolment.training_class.occupation_id != occupation.pk:
                raise forms.ValidationError("证书的职业(工种)与该学员所在培训班不一致(R12)。", code="occupation_mismatch")
        return data


@admin.register(EvaluationBody)
class EvaluationBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "contact_person", "plan_count", "certificate_count"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _plan_count=Count("plans", distinct=True), _certificate_count=Count("certificates", distinct=True)
        )

    plan_count = annotation_column("_plan_count", "评价方案数")

    certificate_count = annotation_column("_certificate_count", "核发证书数")


@admin.register(EvaluationPlan)
class EvaluationPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "evaluation_body", "policy_year", "occupation_count", "published_on"]
    list_filter = ["policy_year", "evaluation_body"]
    search_fields = ["title", "evaluation_body__name", "occupations__name"]
    ordering = ["-policy_year_id", "evaluation_body__name"]
    list_select_related = ["evaluation_body", "policy_year"]
    autocomplete_fields = ["evaluation_body"]
    filter_horizontal = ["occupations"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_occupation_count=Count("occupations"))

    occupation_count = annotation_column("_occupation_count", "覆盖职业数")


@admin.register(Assessment)
class AssessmentAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    name_prefix_fields = ("enrolment__trainee__name",)
    code_prefix_fields = ("enrolment__training_class__code",)
    id_number_lookup = "enrolment__trainee__id_number"
    list_display = ["trainee_name", "masked_id", "class_code", "result", "theory_score", "practical_score",
                    "assessed_on"]
    list_filter = ["result", "enrolment__training_class__policy_year", "enrolment__training_class__institution"]
    search_fields = ["enrolment__trainee__name", "enrolment__training_class__code"]
    ordering = ["-assessed_on", "-pk"]
    list_select_related = ["enrolment__trainee", "enrolment__training_class"]
    raw_id_fields = ["enrolment"]
    readonly_fields = ["recorded_by"]
    masked_id = masked_id_column("enrolment.trainee.id_number")

    def has_add_permission(self, request):
        # Results are entered on the class's results screen, where R3's gate applies.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    trainee_name = related_column("enrolment.trainee.name", "学员")

    class_code = related_column("enrolment.training_class.code", "班级")


@admin.register(Certificate)
class CertificateAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    name_prefix_fields = ("trainee__name",)
    code_prefix_fields = ("number",)
    id_number_lookup = "trainee__id_number"
    list_display = ["number", "trainee_name", "masked_id", "occupation", "kind", "level", "issuer_name", "issued_on"]
    list_filter = ["kind", "level", "occupation__policy_year", "evaluation_body", "trainee__township"]
    search_fields = ["number", "trainee__name", "occupation__name", "issuer_name"]
    ordering = ["-issued_on", "-pk"]
    list_select_related = ["trainee", "occupation"]
    raw_id_fields = ["enrolment", "trainee"]
    autocomplete_fields = ["occupation", "evaluation_body"]
    readonly_fields = ["recorded_by"]
    form = CertificateAdminForm
    fieldsets = [
        ("持证人", {"fields": ["trainee", "enrolment"]}),
        ("证书(R12《实施方案》三(六))", {"fields": ["occupation", "kind", "level", "number", "evaluation_body",
                                              "issuer_name", "issued_on", "recorded_by"]}),
    ]
    masked_id = masked_id_column("trainee.id_number")

    trainee_name = related_column("trainee.name", "持证人")

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(EmploymentRecord)
class EmploymentRecordAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    name_prefix_fields = ("trainee__name",)
    code_prefix_fields = ("employer_credit_code",)
    id_number_lookup = "trainee__id_number"
    list_display = ["trainee_name", "masked_id", "employer_name", "started_on", "contract_months", "evidence_kind",
                    "is_employer_the_institution", "is_verified"]
    list_filter = ["evidence_kind", "is_employer_the_institution", "trainee__township",
                   "enrolment__training_class__institution"]
    search_fields = ["trainee__name", "employer_name", "employer_credit_code"]
    ordering = ["-started_on", "-pk"]
    list_select_related = ["trainee"]
    raw_id_fields = ["trainee", "enrolment"]
    readonly_fields = ["is_employer_the_institution", "recorded_by", "recorded_at", "verified_by", "verified_at"]
    fieldsets = [
        ("学员", {"fields": ["trainee", "enrolment"]}),
        ("就业", {"fields": ["employer_name", "employer_credit_code", "started_on", "contract_months",
                           "is_employer_the_institution"]}),
        ("证明与核实", {"fields": ["evidence_kind", "evidence_file", "recorded_by", "recorded_at", "verified_by",
                                  "verified_at"]}),
    ]
    masked_id = masked_id_column("trainee.id_number")
    actions = ["verify_selected"]

    @admin.action(description="核实就业(二期补贴的前提)")
    def verify_selected(self, request, queryset):
        def preview(record):
            problems = ["该就业记录已核实。"] if record.verified_at is not None else []
            details = [f"开始就业:{record.started_on:%Y-%m-%d},合同{record.contract_months}个月",
                       f"证明:{record.get_evidence_kind_display()}"]
            if record.is_employer_the_institution:
                details.append("用人单位即培训机构本身(R23):请核实后再确认。")
            return Change(record, f"{record.trainee.name} · {record.employer_name}", "未核实", "已核实",
                          details=details, problems=problems)

        return service_action(self, request, queryset.select_related("trainee"), label="核实就业", preview=preview,
                              call=lambda record, user, data: services.verify_employment(record, by=user))

    trainee_name = related_column("trainee.name", "学员")

    @admin.display(description="已核实", boolean=True, ordering="verified_at")
    def is_verified(self, obj):
        return obj.verified_at is not None

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        if obj.enrolment_id:
            institution = obj.enrolment.training_class.institution
            obj.is_employer_the_institution = policy.is_employer_the_institution(
                employer_credit_code=obj.employer_credit_code, employer_name=obj.employer_name,
                institution_credit_code=institution.credit_code, institution_name=institution.name,
            )
        super().save_model(request, obj, form, change)
