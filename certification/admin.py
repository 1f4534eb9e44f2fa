from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone

from certification import policy, services
from certification.models import Assessment, Certificate, EmploymentRecord, EvaluationBody, EvaluationPlan
from certification.resources import EvaluationBodyResource, EvaluationPlanResource
from common.admin_mixins import (
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
from common.resources import ReferenceDataAdminMixin


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
class EvaluationBodyAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "contact_person", "plan_count", "certificate_count"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    ordering = ["name"]
    resource_classes = [EvaluationBodyResource]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _plan_count=Count("plans", distinct=True), _certificate_count=Count("certificates", distinct=True)
        )

    plan_count = annotation_column("_plan_count", "评价方案数")

    certificate_count = annotation_column("_certificate_count", "核发证书数")


@admin.register(EvaluationPlan)
class EvaluationPlanAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    list_display = ["title", "evaluation_body", "policy_year", "occupation_count", "published_on"]
    list_filter = ["policy_year", "evaluation_body"]
    search_fields = ["title", "evaluation_body__name", "occupations__name"]
    ordering = ["-policy_year_id", "evaluation_body__name"]
    list_select_related = ["evaluation_body", "policy_year"]
    autocomplete_fields = ["evaluation_body"]
    resource_classes = [EvaluationPlanResource]
    filter_horizontal = ["occupations"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_occupation_count=Count("occupations"))

    occupation_count = annotation_column("_occupation_count", "覆盖职业数")


@admin.register(Assessment)
class AssessmentAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("enrolment__training_class__county",)
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
    county_paths = ("trainee__township__county", "enrolment__training_class__county")
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


class EmploymentRecordAdminForm(forms.ModelForm):
    """HR's record or correction of a job, under the portal's rules: it has begun, not before the
    class started (R23)."""

    class Meta:
        model = EmploymentRecord
        fields = ["trainee", "enrolment", "employer_name", "employer_credit_code", "started_on", "contract_months",
                  "evidence_kind", "evidence_file"]

    def clean(self):
        data = super().clean()
        enrolment, started_on = data.get("enrolment"), data.get("started_on")
        if started_on is not None:
            tc = enrolment.training_class if enrolment is not None else None
            try:
                policy.ensure_employment_started(
                    started_on=started_on, today=timezone.localdate(),
                    class_start_on=(tc.started_on or tc.planned_start_on) if tc is not None else None)
            except forms.ValidationError as error:
                self.add_error("started_on", error)
        if enrolment is not None and data.get("trainee") is not None and enrolment.trainee_id != data["trainee"].pk:
            raise forms.ValidationError("学员与学员名册中的学员不一致:请核对。", code="trainee_mismatch")
        record = self.instance
        if record.verified_at is not None and not record.verification_note.strip() and enrolment is not None:
            # A verified record changed into one that needs scrutiny keeps no verification
            # without HR's note (R23): the database would refuse the save.
            institution = enrolment.training_class.institution
            code = (data.get("employer_credit_code") or "").strip()
            reason = policy.employment_needs_scrutiny(
                employer_is_institution=policy.is_employer_the_institution(
                    employer_credit_code=code, employer_name=data.get("employer_name") or "",
                    institution_credit_code=institution.credit_code, institution_name=institution.name),
                credit_code=code)
            if reason:
                raise forms.ValidationError(
                    "该记录已核实,改后%(reason)s,须写明核实说明(《实施方案》四(二)、三(七)):"
                    "请保留原用人单位信息,或请县人社局重新逐条核实。", code="verification_note_required",
                    params={"reason": reason})
        return data


class VerificationNoteForm(forms.Form):
    verification_note = forms.CharField(
        label="核实说明", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明核实了什么:如实地走访用人单位、核对社保缴费记录或劳动合同的结果(《实施方案》四(二)、三(七))。",
    )


@admin.register(EmploymentRecord)
class EmploymentRecordAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("trainee__township__county", "enrolment__training_class__county")
    name_prefix_fields = ("trainee__name",)
    code_prefix_fields = ("employer_credit_code",)
    id_number_lookup = "trainee__id_number"
    list_display = ["trainee_name", "masked_id", "employer_name", "started_on", "contract_months", "evidence_kind",
                    "is_employer_the_institution", "scrutiny", "is_verified"]
    list_filter = ["evidence_kind", "is_employer_the_institution", "enrolment__training_class__policy_year",
                   "trainee__township", "enrolment__training_class__institution"]
    search_fields = ["trainee__name", "employer_name", "employer_credit_code"]
    ordering = ["-started_on", "-pk"]
    list_select_related = ["trainee"]
    raw_id_fields = ["trainee", "enrolment"]
    readonly_fields = ["is_employer_the_institution", "recorded_by", "recorded_at", "verified_by", "verified_at",
                       "verification_note"]
    form = EmploymentRecordAdminForm
    fieldsets = [
        ("学员", {"fields": ["trainee", "enrolment"]}),
        ("就业", {"fields": ["employer_name", "employer_credit_code", "started_on", "contract_months",
                           "is_employer_the_institution"]}),
        ("证明与核实", {"fields": ["evidence_kind", "evidence_file", "recorded_by", "recorded_at", "verified_by",
                                  "verified_at", "verification_note"]}),
    ]
    masked_id = masked_id_column("trainee.id_number")
    actions = ["verify_selected"]

    @admin.action(description="核实就业(二期补贴的前提)")
    def verify_selected(self, request, queryset):
        """Verify the selected records. Those that need scrutiny (R23: the institution itself, no
        valid credit code) are never verified in bulk: selected with others they are listed apart
        and left for one-by-one verification; selected alone, the page asks for HR's note."""
        records = list(queryset.select_related("trainee"))
        held = [record for record in records if record.needs_scrutiny and not record.is_verified_for_payment]
        if len(records) == 1 and held:
            return service_action(
                self, request, queryset.select_related("trainee"), label="核实就业", preview=self._verify_preview,
                form_class=VerificationNoteForm,
                call=lambda record, user, data: services.verify_employment(record, by=user,
                                                                            note=data["verification_note"]))
        others = [record.pk for record in records if record not in held]
        if not others:
            self.message_user(request, self._held_message(held), messages.WARNING)
            return None
        response = service_action(
            self, request, queryset.filter(pk__in=others).select_related("trainee"), label="核实就业",
            preview=self._verify_preview,
            call=lambda record, user, data: services.verify_employment(record, by=user))
        if response is None:
            if held:
                self.message_user(request, self._held_message(held), messages.WARNING)
            return None
        if held:
            # The confirmation page lists them apart, with why; their ids ride along so the
            # confirmed request reports them again.
            response.template_name = "admin/certification/employmentrecord/verify.html"
            response.context_data.update(held=[(record, self._label(record), record.needs_scrutiny) for record in held],
                                         held_pks=[record.pk for record in held])
        return response

    @staticmethod
    def _label(record):
        return f"{record.trainee.name} · {record.employer_name}"

    def _held_message(self, held):
        names = "、".join(f"{self._label(record)}({record.needs_scrutiny})" for record in held)
        return (f"{len(held)}条就业记录须逐条核实并写明核实说明,本次未核实(《实施方案》四(二)、三(七)):{names}。"
                "请逐条勾选后办理“核实就业”,填写核实说明。")

    def _verify_preview(self, record):
        problems = ["该就业记录已核实。"] if record.is_verified_for_payment else []
        today = timezone.localdate()
        if record.started_on > today:
            problems.append(f"就业日期{record.started_on:%Y-%m-%d}晚于今天,尚未就业,不能核实。")
        details = [f"开始就业:{record.started_on:%Y-%m-%d},合同{record.contract_months or '—'}个月",
                   f"证明:{record.get_evidence_kind_display()}"]
        warnings = []
        if record.needs_scrutiny:
            warnings.append(f"{record.needs_scrutiny}:须核实后写明核实说明(《实施方案》四(二)、三(七))。")
        return Change(record, self._label(record), "未核实", "已核实", details=details, problems=problems,
                      warnings=warnings)

    trainee_name = related_column("trainee.name", "学员")

    @admin.display(description="需重点核查")
    def scrutiny(self, obj):
        return obj.needs_scrutiny or "—"

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
