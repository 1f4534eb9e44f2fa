import copy
import posixpath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.db.models.fields.files import FieldFile
from django.db.models.functions import TruncMonth
from django.forms.models import construct_instance
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from common.admin_mixins import (
    Change,
    DecisionButtonsMixin,
    HistoryAdmin,
    IdNumberSearchMixin,
    NoDeleteMixin,
    PrefixSearchMixin,
    ReadOnlyAdminMixin,
    annotation_column,
    masked_id_column,
    refusals,
    related_column,
    related_count,
    service_action,
    status_labels,
    yuan,
)
from common.admin_scope import area_queryset
from common.documents import AdminDocumentInput, document_response
from courses.selectors import AttendanceSheet
from institutions.models import Inspection
from subsidies import policy, services
from subsidies.enterprise_size import classify_enterprise
from subsidies.models import ClaimLine, ClaimObjection, ClaimStatus, SmallEnterpriseSubsidy, SubsidyClaim
from subsidies.services import LABELS
from trainees.policy import mask_phone


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    """Approval; for a class below the attendance threshold, the supervision decision R3 asks for
    (the fields are required only then, and the inspections offered are the class's own)."""

    supervision_inspection = forms.ModelChoiceField(
        Inspection.objects.none(), label="督导检查", required=False,
        help_text="到课率低于规定标准的班级须选择本班的督导检查记录并填写处理意见(R3《实施方案》三(五))。",
    )
    supervision_note = forms.CharField(label="督导处理意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    acknowledge_low_attendance = forms.BooleanField(
        label="已知悉本班到课率低于规定标准,依上述督导检查和处理意见审批", required=False)


class PubliciseForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", initial=timezone.localdate,
                                help_text="从该日(或其后第一个工作日)起公示,按国家法定工作日计算(R19)。")


class PaidForm(forms.Form):
    payment_reference = forms.CharField(label="拨付凭证号", max_length=50)


class NoteForm(forms.Form):
    note = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 3}))


class ClaimLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClaimLine
    extra = 0
    fields = ["enrolment", "training_days", "total_subsidy_amount", "first_amount", "second_amount", "amount",
              "placement_reward_amount", "reason", "is_void", "void_reason", "held_by_link"]
    readonly_fields = ["held_by_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrolment__trainee", "enrolment__training_class",
                                                            "held_by")

    @admin.display(description="暂缓拨付的异常提示")
    def held_by_link(self, line):
        """The open flag holding this trainee's payment, linked so HR can resolve it (三(七))."""
        if line.held_by is None:
            return ""
        flag = line.held_by
        state = "已处理,可重新申领" if flag.resolved_at else "未处理"
        return format_html('<a href="{}">{}</a>({})',
                           reverse("admin:institutions_flag_change", args=[flag.pk]), flag.summary, state)


CLAIM_WORKFLOW = ["status", "total_amount", "created_by", "created_at", "submitted_by", "submitted_at",
                  "reviewed_by", "reviewed_at", "approved_by", "approved_at", "publicity_starts_on",
                  "publicity_ends_on", "paid_by", "paid_at", "payment_reference", "return_reason"]


# The decisions on a claim: the admin action, the status it leads to, the button's label.
CLAIM_DECISIONS = {
    "review": ("review_selected", ClaimStatus.REVIEWED, "初审通过"),
    "approve": ("approve_selected", ClaimStatus.APPROVED, "审批通过"),
    "return": ("return_selected", ClaimStatus.DRAFT, "退回机构修改"),
    "reject": ("reject_selected", ClaimStatus.REJECTED, "不予拨付"),
    "publicise": ("publicise_selected", ClaimStatus.PUBLICISED, "开始公示"),
    "payable": ("payable_selected", ClaimStatus.PAYABLE, "转为待拨付"),
    "paid": ("paid_selected", ClaimStatus.PAID, "登记已拨付"),
}
# The decisions before which every line is checked again, and the step each is for the service.
RECHECKED = {"review": "review", "approve": "approve", "payable": "payable", "paid": "pay"}


def low_attendance(claim):
    """R3's refusal if the claim's class is below the attendance threshold with no supervision
    decision recorded on the claim yet, else []: the approval then needs one."""
    tc = claim.training_class
    p = tc.params()
    rate = tc.attendance_rate
    if rate is None:
        rate = AttendanceSheet(tc).class_standing(p).best_reachable_rate
    recorded = claim.supervision_inspection_id is not None and bool(claim.supervision_note.strip())
    return refusals(lambda: policy.ensure_supervised_if_low_attendance(
        class_rate=rate, has_supervision_decision=recorded, p=p))


@admin.register(SubsidyClaim)
class SubsidyClaimAdmin(DecisionButtonsMixin, NoDeleteMixin, HistoryAdmin):
    county_paths = ("training_class__county",)
    list_display = ["__str__", "institution", "instalment", "line_count", "total_amount", "status", "submitted_at",
                    "approved_at", "paid_at"]
    list_filter = ["status", "instalment", "training_class__policy_year", "institution"]
    search_fields = ["training_class__code", "training_class__name", "institution__name", "payment_reference"]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["training_class", "institution"]
    autocomplete_fields = ["institution", "training_class"]
    readonly_fields = [*CLAIM_WORKFLOW, "supervision_inspection", "supervision_note"]
    fieldsets = [
        ("申领", {"fields": ["institution", "training_class", "instalment"]}),
        ("金额与流程(由系统生成,初审人与审批人须为两人)", {"fields": CLAIM_WORKFLOW}),
        ("督导(到课率低于规定标准的班级)", {"fields": ["supervision_inspection", "supervision_note"]}),
    ]
    inlines = [ClaimLineInline]
    actions = ["review_selected", "approve_selected", "return_selected", "reject_selected", "publicise_selected",
               "payable_selected", "paid_selected"]
    date_hierarchy = "created_at"
    decisions = CLAIM_DECISIONS
    transitions = policy.CLAIM_TRANSITIONS

    def has_add_permission(self, request):
        # Claims are generated from a completed class by the institution (or for it), never typed.
        return False

    def changelist_view(self, request, extra_context=None):
        """Money by status and by month beside the list (approved and paid, yuan), of the user's
        area only (common.admin_scope), as the list itself."""
        claims = area_queryset(SubsidyClaim.objects.all(), self.admin_site.scope_for(request), self.county_paths)
        by_status = dict(claims.values_list("status").annotate(total=Sum("total_amount")).order_by())
        status_rows = [(label, by_status.get(value) or 0) for value, label in ClaimStatus.choices]
        approved = dict(claims.filter(approved_at__isnull=False).annotate(month=TruncMonth("approved_at"))
                        .values_list("month").annotate(total=Sum("total_amount")).order_by())
        paid = dict(claims.filter(paid_at__isnull=False).annotate(month=TruncMonth("paid_at"))
                    .values_list("month").annotate(total=Sum("total_amount")).order_by())
        months = sorted(set(approved) | set(paid))
        month_rows = [(month, approved.get(month) or 0, paid.get(month) or 0) for month in months]
        return super().changelist_view(request, {**(extra_context or {}), "status_rows": status_rows,
                                                 "month_rows": month_rows})

    def decision_preview(self, request, claim, decision, *, with_recheck=False):
        """What a decision changes on one claim (status, amount) and what would refuse it: the
        workflow, the four-eyes rule, R3's supervision decision, R19's notice and objections."""
        _, target, _ = CLAIM_DECISIONS[decision]
        before, after = status_labels(claim, target)
        if decision == "return":
            after = f"{after}(退回机构修改)"
        count = getattr(claim, "_line_count", None)
        details = [f"金额:{yuan(claim.total_amount)}" + (f",{count}人" if count is not None else "")]
        if decision == "payable" and claim.publicity_ends_on:
            details.append(f"公示期:{claim.publicity_starts_on:%Y-%m-%d}至{claim.publicity_ends_on:%Y-%m-%d}")
        tc = claim.training_class
        change = Change(claim, f"{tc.code} {tc.name} · {claim.get_instalment_display()}", before, after,
                        details=details)
        change.problems = refusals(lambda: policy.ensure_claim_transition(claim.status, target, labels=LABELS))
        if change.problems:
            return change
        if decision == "approve":
            change.problems = refusals(lambda: policy.ensure_four_eyes(reviewer_id=claim.reviewed_by_id,
                                                                        approver_id=request.user.pk))
            change.warnings = low_attendance(claim)
            if change.warnings and not Inspection.objects.filter(training_class_id=claim.training_class_id).exists():
                change.problems.append("本班还没有督导检查记录:请先在「督导检查」中录入本班的检查,再审批(R3)。")
        elif decision == "payable":
            change.problems = refusals(lambda: policy.ensure_publicity_over(ends_on=claim.publicity_ends_on,
                                                                            today=timezone.localdate()))
            pending = ClaimObjection.objects.filter(line__claim=claim, is_upheld__isnull=True).count()
            if pending:
                change.problems.append(f"还有{pending}条公示异议未处理,处理后才能拨付。")
        if decision in RECHECKED and with_recheck:
            # Every line is checked again before the claim moves on (三(七)): the confirmation page
            # says who would go and what would remain (the change page's buttons do not run it).
            going = services.recheck_findings(claim, today=timezone.localdate(), step=RECHECKED[decision])
            for line, reason, _ in going:
                details.append(f"将剔除{line.enrolment.trainee.name}:{reason}")
            if going:
                remaining = claim.total_amount - sum(line.amount + line.placement_reward_amount
                                                     for line, _, _ in going)
                details.append(f"剔除后金额:{yuan(remaining)}")
                if len(going) == claim.lines.filter(is_void=False).count():
                    change.problems.append("复核后本申领已没有可拨付的学员(《实施方案》三(七)):请「不予拨付」,"
                                           "或待问题处理后再办理。")
        return change

    def _act(self, request, queryset, decision, call, form_class=None, require=None):
        _, _, label = CLAIM_DECISIONS[decision]

        def call_and_report(claim, user, data):
            moved = call(claim, user, data)
            for line in getattr(moved, "dropped", []):
                messages.warning(request, f"{moved.training_class.code}:{line.enrolment.trainee.name}已剔除——"
                                          f"{line.void_reason}")
            return moved

        return service_action(self, request, queryset.select_related("training_class__policy_year", "institution"),
                              label=label, call=call_and_report, form_class=form_class, require=require,
                              preview=lambda claim: self.decision_preview(
                                  request, claim, decision, with_recheck="confirm" not in request.POST))

    @admin.action(description="初审通过")
    def review_selected(self, request, queryset):
        return self._act(request, queryset, "review", lambda c, u, d: services.review_claim(c, by=u))

    @admin.action(description="审批通过(须与初审人不同)")
    def approve_selected(self, request, queryset):
        def require(form, changes):
            """R3: a class below the attendance threshold needs the supervision decision — its own
            inspection, the note and the acknowledgement — one claim at a time."""
            needing = [change for change in changes if change.warnings]
            if len(needing) != 1 or len(changes) != 1:
                for name in ("supervision_inspection", "supervision_note", "acknowledge_low_attendance"):
                    del form.fields[name]
                for change in needing:
                    change.problems.append("到课率低于规定标准的班级须逐一审批:请在该申领的页面点「审批通过」。")
                return
            claim = needing[0].obj
            inspection = form.fields["supervision_inspection"]
            inspection.queryset = Inspection.objects.filter(training_class_id=claim.training_class_id)
            inspection.error_messages["required"] = "请选择本班的督导检查记录(R3)。"
            form.fields["supervision_note"].error_messages["required"] = "请填写督导处理意见(R3)。"
            form.fields["acknowledge_low_attendance"].error_messages["required"] = (
                "本班到课率低于规定标准:请勾选确认后再审批(R3)。")
            for name in ("supervision_inspection", "supervision_note", "acknowledge_low_attendance"):
                form.fields[name].required = True

        return self._act(request, queryset, "approve", lambda c, u, d: services.approve_claim(
            c, by=u, supervision_inspection=d.get("supervision_inspection"),
            supervision_note=d.get("supervision_note", ""), today=timezone.localdate()), ApproveForm, require)

    @admin.action(description="退回机构修改")
    def return_selected(self, request, queryset):
        return self._act(request, queryset, "return",
                         lambda c, u, d: services.return_claim(c, by=u, reason=d["reason"]), ReasonForm)

    @admin.action(description="不予拨付")
    def reject_selected(self, request, queryset):
        return self._act(request, queryset, "reject",
                         lambda c, u, d: services.reject_claim(c, by=u, reason=d["reason"]), ReasonForm)

    @admin.action(description="开始公示(按年度规定的工作日数)")
    def publicise_selected(self, request, queryset):
        return self._act(request, queryset, "publicise",
                         lambda c, u, d: services.publicise_claim(c, by=u, starts_on=d["starts_on"],
                                                                  today=timezone.localdate()), PubliciseForm)

    @admin.action(description="公示期满,转为待拨付")
    def payable_selected(self, request, queryset):
        return self._act(request, queryset, "payable",
                         lambda c, u, d: services.mark_payable(c, by=u, today=timezone.localdate()))

    @admin.action(description="登记已拨付")
    def paid_selected(self, request, queryset):
        return self._act(request, queryset, "paid", lambda c, u, d: services.mark_paid(
            c, by=u, payment_reference=d["payment_reference"], today=timezone.localdate()), PaidForm)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_line_count=related_count(ClaimLine, "claim", is_void=False))

    line_count = annotation_column("_line_count", "人数")

    def get_readonly_fields(self, request, obj=None):
        # The supervision record is set by the approval action (ApproveForm), never typed here; an
        # editable select would also list every inspection of the province.
        if obj is not None:
            return [*self.readonly_fields, "institution", "training_class", "instalment"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ClaimLine)
class ClaimLineAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("claim__training_class__county",)
    name_prefix_fields = ("enrolment__trainee__name",)
    code_prefix_fields = ("claim__training_class__code",)
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

    def has_change_permission(self, request, obj=None):
        return False

    trainee_name = related_column("enrolment.trainee.name", "学员")


class ObjectionForm(forms.ModelForm):
    """An objection is recorded only while the claim is on public notice, dated inside it (R19)."""

    class Meta:
        model = ClaimObjection
        fields = ["line", "received_on", "objector", "content"]

    def clean(self):
        data = super().clean()
        line = data.get("line")
        if line is not None and data.get("received_on"):
            claim = line.claim
            if claim.status != ClaimStatus.PUBLICISED:
                raise ValidationError("该申领不在公示期,不能登记异议。", code="not_publicised")
            policy.ensure_objection_in_window(received_on=data["received_on"], starts_on=claim.publicity_starts_on,
                                              ends_on=claim.publicity_ends_on)
        return data


@admin.register(ClaimObjection)
class ClaimObjectionAdmin(NoDeleteMixin, HistoryAdmin):
    """HR's queue of objections: recorded at the counter (the add form) or sent online from the
    public page (reporting.public); both decided by the same actions. The objector's phone is
    masked in the list and shown in full on the objection's own page, to county HR only (the
    admin site admits no one else)."""
    county_paths = ("line__claim__training_class__county",)

    list_display = ["line", "received_on", "channel", "objector", "masked_phone", "is_upheld", "decided_by",
                    "decided_at"]
    list_filter = ["is_upheld", "channel", "line__claim__institution"]
    search_fields = ["content", "objector", "line__enrolment__trainee__name", "line__claim__training_class__code"]
    ordering = ["-received_on", "-pk"]
    list_select_related = ["line__enrolment__trainee", "line__enrolment__training_class", "decided_by"]
    raw_id_fields = ["line"]
    form = ObjectionForm
    readonly_fields = ["channel", "contact_phone", "is_upheld", "decision_note", "recorded_by", "decided_by",
                       "decided_at"]
    actions = ["uphold_selected", "dismiss_selected"]

    @admin.display(description="联系电话", ordering="contact_phone")
    def masked_phone(self, obj):
        return mask_phone(obj.contact_phone) or "—"

    def has_change_permission(self, request, obj=None):
        # The list's decisions, never the objection's page; only for those who may change objections.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def _decide(self, request, queryset, *, upheld, label):
        def preview(objection):
            line = objection.line
            removed = (line.amount or 0) + (line.placement_reward_amount or 0)
            after = f"异议成立:剔除该学员,申领减少{yuan(removed)}" if upheld else "异议不成立:该学员照常拨付"
            problems = []
            if objection.is_upheld is not None:
                problems.append("该异议已处理。")
            elif line.claim.status not in (ClaimStatus.PUBLICISED, ClaimStatus.PAYABLE):
                problems.append("该申领已不在公示期或待拨付阶段。")
            return Change(objection, f"{line.claim} · {line.enrolment.trainee.name}", "待处理", after,
                          details=[f"收到:{objection.received_on:%Y-%m-%d}", f"本行金额:{yuan(removed)}"],
                          problems=problems)

        queryset = queryset.select_related("line__claim__training_class", "line__enrolment__trainee")
        return service_action(self, request, queryset, label=label, form_class=NoteForm, preview=preview,
                              call=lambda o, u, d: services.decide_objection(o, by=u, upheld=upheld, note=d["note"]))

    @admin.action(description="异议成立(剔除该学员)")
    def uphold_selected(self, request, queryset):
        return self._decide(request, queryset, upheld=True, label="认定异议成立")

    @admin.action(description="异议不成立")
    def dismiss_selected(self, request, queryset):
        return self._decide(request, queryset, upheld=False, label="认定异议不成立")


class SizeEvidenceInput(AdminDocumentInput):
    """The stored evidence shown by its name, linked to the admin's own download (below)."""

    def is_initial(self, value):
        return isinstance(value, FieldFile) and bool(value)

    def format_value(self, value):
        if self.is_initial(value):
            return SizeEvidenceLink(value.instance)
        return forms.ClearableFileInput.format_value(self, value)


class SizeEvidenceLink:
    """划型数据证明材料.pdf, linked to SmallEnterpriseSubsidyAdmin.size_evidence_view."""

    def __init__(self, subsidy):
        self.url = reverse("admin:subsidies_smallenterprisesubsidy_size_evidence", args=[subsidy.pk])
        extension = posixpath.splitext(subsidy.size_evidence.name)[1].lstrip(".").lower() or "bin"
        self.label = f"{SmallEnterpriseSubsidy._meta.get_field('size_evidence').verbose_name}.{extension}"

    def __str__(self):
        return self.label


class SmallEnterpriseSubsidyForm(forms.ModelForm):
    """R15 is checked on the form by the service's own check (services.check_small_enterprise_subsidy)
    on the record as it would be saved; the size class and the amount are never typed."""

    class Meta:
        model = SmallEnterpriseSubsidy
        fields = ["enterprise_name", "enterprise_credit_code", "industry", "figures_year", "employees",
                  "revenue_10k", "assets_10k", "size_evidence", "hire", "policy_year", "contract_starts_on",
                  "contract_months", "stage", "certificate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "industry" in self.fields:  # absent on a read-only page
            self.fields["industry"].required = True
        if "size_evidence" in self.fields:
            # DocumentFormField picks its own widget, whose link (`.url`) has no document view for
            # this model: show the stored file through the admin's download instead.
            evidence = self.fields["size_evidence"]
            evidence.widget = SizeEvidenceInput(attrs=evidence.widget.attrs)
            evidence.widget.document_label = str(evidence.label)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        candidate = construct_instance(self, copy.copy(self.instance))
        try:
            self.size = services.check_small_enterprise_subsidy(candidate)
        except ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(SmallEnterpriseSubsidy)
class SmallEnterpriseSubsidyAdmin(NoDeleteMixin, IdNumberSearchMixin, HistoryAdmin):
    county_paths = ("county",)
    id_number_lookup = "hire__id_number"
    list_display = ["enterprise_name", "industry", "enterprise_size", "hire_name", "masked_id", "contract_starts_on",
                    "contract_months", "stage", "amount", "status"]
    list_filter = ["stage", "status", "enterprise_size", "industry", "policy_year"]
    search_fields = ["enterprise_name", "enterprise_credit_code", "hire__name"]
    ordering = ["-contract_starts_on", "-pk"]
    list_select_related = ["hire"]
    raw_id_fields = ["hire", "certificate"]
    readonly_fields = ["enterprise_size", "size_explanation", "size_evidence_link", "amount", "status",
                       "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "approved_by", "approved_at",
                       "paid_at", "payment_reference", "return_reason"]
    fieldsets = [
        ("企业", {"fields": ["enterprise_name", "enterprise_credit_code"]}),
        ("企业划型(工信部联企业〔2011〕300号,《实施方案》四(四))", {
            "fields": ["industry", "figures_year", "employees", "revenue_10k", "assets_10k", "size_evidence",
                       "enterprise_size", "size_explanation"],
            "description": "按企业所属行业填写最近一个年度的从业人员、营业收入或资产总额,并上传证明材料;"
                           "系统按国家中小企业划型标准划型,只有小型、微型企业可以申领。"}),
        ("新招用人员与补贴", {"fields": ["hire", "policy_year", "contract_starts_on", "contract_months", "stage",
                                    "certificate", "amount"]}),
        ("办理记录", {"fields": ["status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at",
                             "approved_by", "approved_at", "paid_at", "payment_reference", "return_reason"]}),
    ]
    form = SmallEnterpriseSubsidyForm

    def get_fieldsets(self, request, obj=None):
        # Read-only pages show the evidence through the admin's download, not the file field.
        if self.has_change_permission(request, obj):
            return self.fieldsets
        return [(name, {**options, "fields": ["size_evidence_link" if f == "size_evidence" else f
                                              for f in options["fields"]]})
                for name, options in self.fieldsets]

    def has_change_permission(self, request, obj=None):
        # Once submitted, the record is what was reviewed and approved: it changes only by the steps.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == "draft")

    def get_urls(self):
        return [path("<path:object_id>/size-evidence/", self.admin_site.admin_view(self.size_evidence_view),
                     name="subsidies_smallenterprisesubsidy_size_evidence"), *super().get_urls()]

    def size_evidence_view(self, request, object_id):
        """The evidence of the size figures, as a download, to whoever may view the subsidy; like
        the change page, a missing record (or another county's) answers 404, a missing file leads
        back with a message."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        subsidy = self.get_object(request, unquote(object_id))
        if subsidy is None:  # missing, or another county's: as the change page
            raise Http404("没有该小微企业培训补贴记录,可能已被删除、编号有误或不属于本县。")
        if not self.has_view_permission(request, subsidy):
            raise PermissionDenied
        if not subsidy.size_evidence:
            self.message_user(request, "该申请没有上传划型数据证明材料:请在草稿中上传后再查看。", messages.WARNING)
            return redirect("admin:subsidies_smallenterprisesubsidy_change", subsidy.pk)
        return document_response(subsidy.size_evidence, title=f"小微企业划型证明材料-{subsidy.pk}")

    @admin.display(description="划型数据证明材料")
    def size_evidence_link(self, obj):
        if not obj or not obj.size_evidence:
            return "未上传"
        link = SizeEvidenceLink(obj)
        return format_html('<a href="{}">{}</a>', link.url, link.label)

    @admin.display(description="划型说明")
    def size_explanation(self, obj):
        """What the recorded figures give by the national standard, figures and thresholds named."""
        if not obj or not obj.industry:
            return "未填写所属行业,无法划型。"
        return classify_enterprise(industry=obj.industry, employees=obj.employees, revenue_10k=obj.revenue_10k,
                                   assets_10k=obj.assets_10k).explanation + "(工信部联企业〔2011〕300号)"

    actions = ["submit_selected", "review_selected", "approve_selected", "pay_selected", "return_selected",
               "reject_selected"]
    masked_id = masked_id_column("hire.id_number")

    # The step, the status it starts from and the one it leads to (services.decide_small_enterprise_subsidy).
    STEPS = {"submit": (("draft",), "submitted"), "review": (("submitted",), "reviewed"),
             "approve": (("reviewed",), "approved"), "pay": (("approved",), "paid"),
             "return": (services.SMALL_ENTERPRISE_RETURNABLE, "draft"),
             "reject": (("submitted", "reviewed"), "rejected")}

    def _step(self, request, queryset, label, step, form_class=None):
        sources, target = self.STEPS[step]

        def preview(subsidy):
            before, after = status_labels(subsidy, target)
            problems = [] if subsidy.status in sources else [f"当前状态为「{before}」,不能办理「{label}」。"]
            if step in ("approve", "pay") and not problems:
                # R15 again, as the service will check it: the figures or certificates may have changed.
                problems = refusals(lambda: services.check_small_enterprise_subsidy(subsidy))
            if step == "approve" and not problems:
                problems = refusals(lambda: policy.ensure_four_eyes(reviewer_id=subsidy.reviewed_by_id,
                                                                    approver_id=request.user.pk))
            size = subsidy.get_enterprise_size_display() or "未划型"
            return Change(subsidy, f"{subsidy.enterprise_name} · {subsidy.hire.name}", before, after,
                          details=[f"{subsidy.get_stage_display()}:{yuan(subsidy.amount)}", f"企业规模:{size}"],
                          problems=problems)

        return service_action(self, request, queryset.select_related("hire"), label=label, form_class=form_class,
                              preview=preview,
                              call=lambda o, u, d: services.decide_small_enterprise_subsidy(
                                  o, by=u, step=step, reason=d.get("reason", ""),
                                  payment_reference=d.get("payment_reference", "")))

    @admin.action(description="提交")
    def submit_selected(self, request, queryset):
        return self._step(request, queryset, "提交", "submit")

    @admin.action(description="初审通过")
    def review_selected(self, request, queryset):
        return self._step(request, queryset, "初审通过", "review")

    @admin.action(description="审批通过(须与初审人不同)")
    def approve_selected(self, request, queryset):
        return self._step(request, queryset, "审批通过", "approve")

    @admin.action(description="登记已拨付")
    def pay_selected(self, request, queryset):
        return self._step(request, queryset, "登记已拨付", "pay", PaidForm)

    @admin.action(description="退回修改(补录划型数据、证明材料或证书)")
    def return_selected(self, request, queryset):
        return self._step(request, queryset, "退回修改", "return", ReasonForm)

    @admin.action(description="不予拨付")
    def reject_selected(self, request, queryset):
        return self._step(request, queryset, "不予拨付", "reject", ReasonForm)

    hire_name = related_column("hire.name", "新招用人员")

    def save_model(self, request, obj, form, change):
        # The form has run the same check; the service classifies the enterprise and sets the
        # amount from the policy year (R15), never typed.
        services.record_small_enterprise_subsidy(obj, by=request.user)
