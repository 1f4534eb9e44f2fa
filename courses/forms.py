"""Forms of the institution portal and the admin; clean() delegates to courses.policy."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from common.documents import HELP_TEXT, DocumentFormField
from common.forms import add_refusal
from courses import policy
from courses.models import AttendanceCorrection, Occupation, SessionKind, Textbook, TrainingClass
from programme.models import TargetLine
from trainees.policy import mask_id_number, normalise_id_number

PLAN_FIELDS = ["name", "occupation", "level", "target_line", "training_mode", "planned_start_on", "planned_end_on",
               "planned_days", "total_hours", "practical_hours", "capacity", "venue", "teachers", "roster_plan",
               "syllabus", "teaching_plan", "assessment_plan"]


# The field each refusal of a class plan concerns (R1, R4, R5, R12).
PLAN_ERROR_FIELDS = {
    "capacity_over_limit": "capacity", "too_many_days": "planned_days", "too_many_hours": "total_hours",
    "too_many_hours_per_day": "total_hours", "days_exceed_dates": "planned_end_on",
    "practical_share_too_low": "practical_hours", "level_required": "level", "level_not_applicable": "level",
}


class ClassPlanMixin:
    """Runs the rules a class plan must meet on its own (R1, R4, R5, R12), each refusal beside
    its field, and keeps the R4 warning in `self.warnings` for the page to show beside the
    practical hours."""

    warnings: list

    def clean(self):
        data = super().clean()
        self.warnings = []
        needed = ["capacity", "planned_days", "total_hours", "practical_hours", "planned_start_on", "planned_end_on"]
        if self.policy_year is None or any(data.get(name) in (None, "") for name in needed):
            return data
        try:
            self.warnings = policy.check_class_plan(
                capacity=data["capacity"], planned_days=data["planned_days"], total_hours=data["total_hours"],
                practical_hours=data["practical_hours"], start_on=data["planned_start_on"],
                end_on=data["planned_end_on"], p=self.policy_year.params_for(
                    data["target_line"].county_id if data.get("target_line") else None),
            )
        except ValidationError as error:
            add_refusal(self, error, PLAN_ERROR_FIELDS)
        occupation = data.get("occupation")
        if occupation is not None:
            try:
                policy.ensure_level_matches_kind(certificate_kind=occupation.certificate_kind,
                                                 level=data.get("level", ""))
            except ValidationError as error:
                add_refusal(self, error, PLAN_ERROR_FIELDS)
        return data


class TrainingClassForm(ClassPlanMixin, forms.ModelForm):
    """开班申请 in the institution portal. The institution, year, code and status are never form
    fields: the view sets the first three and only services move the status."""

    class Meta:
        model = TrainingClass
        fields = PLAN_FIELDS
        widgets = {
            "planned_start_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_end_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "teachers": forms.Textarea(attrs={"rows": 3}),
            "roster_plan": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, policy_year, institution=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy_year = policy_year
        self.fields["occupation"].queryset = Occupation.objects.filter(policy_year=policy_year)
        lines = TargetLine.objects.filter(policy_year=policy_year).select_related("county")
        if institution is not None:
            # The task lines of the counties that listed the institution this year (三(二): an
            # institution may be listed in several counties of its city), the class's county
            # following from its line; an unlisted institution sees every line and R10 refuses it.
            listed = institution.years.filter(policy_year=policy_year).values("county_id")
            lines = lines.filter(county__in=listed) if listed.exists() else lines
        self.fields["target_line"].queryset = lines
        if len({line.county_id for line in lines}) > 1:
            self.fields["target_line"].label_from_instance = lambda line: f"{line.county.name} · {line.name}"
            self.fields["target_line"].help_text = "培训班计入所选县(市、区)的年度任务,由该县人社局审批。"


class TrainingClassAdminForm(ClassPlanMixin, forms.ModelForm):
    """HR's edit of a class in the admin runs the same plan rules as the portal."""

    class Meta:
        model = TrainingClass
        fields = ["policy_year", "code", "institution", *PLAN_FIELDS]

    @property
    def policy_year(self):
        return self.cleaned_data.get("policy_year") if hasattr(self, "cleaned_data") else None


TextbookFormSet = inlineformset_factory(
    TrainingClass, Textbook, fields=["title", "publisher", "isbn"], extra=2, can_delete=True, min_num=0,
)


# Refusals of enrol_trainee about the person (their ID number, their categories, age and other
# trainings: R13, R16): shown under the field that named the person.
PERSON_CODES = frozenset({
    "id_required", "id_not_text", "id_first_generation", "id_missing_check_digit", "id_length", "id_characters",
    "id_province", "id_birth_date", "id_checksum", "trainee_not_registered", "already_enrolled", "no_category",
    "under_age", "over_age", "trainee_in_overlapping_class", "yearly_training_cap", "same_occupation_and_level",
    "lower_level_than_before", "trainee_required",
})


class EnrolForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    voucher_code = forms.CharField(label="或培训券号", max_length=30, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not data.get("voucher_code"):
            self.add_error("id_number", ValidationError("请填写学员身份证号或培训券号。", code="trainee_required"))
        return data

    def add_refusal(self, error):
        """enrol_trainee's refusals beside their field: about the voucher under the voucher code,
        about the person under the ID number (or the voucher code when only that was given),
        about the class (full, not enrolling) above the form."""
        number = self.cleaned_data.get("id_number")
        person = "id_number" if number else "voucher_code"
        fields = {code: person for code in PERSON_CODES}
        fields.update({code: "voucher_code" for code in (
            "voucher_unknown", "voucher_pilot_off", "voucher_used", "voucher_not_valid", "voucher_expired",
            "voucher_not_holder", "voucher_institution_not_listed")})
        add_refusal(self, error, fields)
        if number and not any(code.startswith("id_") for code in _codes(error)):
            # A valid number is a person: the page names them masked and does not echo it back.
            self.masked_id_number = mask_id_number(normalise_id_number(number))
            self.data = self.data.copy()
            self.data["id_number"] = ""

    masked_id_number = ""


def _codes(error):
    if hasattr(error, "error_dict"):
        return [one.code for errors in error.error_dict.values() for one in errors]
    return [one.code for one in error.error_list]


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="退学日期")
    reason = forms.CharField(label="退学原因", max_length=200)

    def add_refusal(self, error):
        add_refusal(self, error, {"withdrawal_date_invalid": "withdrawn_on", "reason_required": "reason"})


class SessionForm(forms.Form):
    held_on = forms.DateField(label="上课日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="开始时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    hours = forms.DecimalField(label="课时", min_value=0.5, max_digits=4, decimal_places=1)
    kind = forms.ChoiceField(label="类型", choices=SessionKind.choices)
    topic = forms.CharField(label="教学内容", max_length=200, required=False)
    teacher = forms.CharField(label="授课教师", max_length=50, required=False)
    correction_reason = forms.CharField(
        label="补排原因", required=False, max_length=500,
        help_text="仅在开班后补排已过去日期的课次时填写:说明原因,提交县人社局批准(《实施方案》三(七))。",
    )
    correction_evidence = DocumentFormField(
        label="证明材料", required=False,
        help_text="补排已过去日期的课次时可附上:签到表、教学日志等。" + HELP_TEXT,
    )

    def add_refusal(self, error):
        """schedule_session's refusals (the class dates, its hours and days, R5) beside their field."""
        add_refusal(self, error, {
            "session_outside_class_dates": "held_on", "sessions_exceed_planned_days": "held_on",
            "sessions_exceed_total_hours": "hours", "too_many_hours_per_day": "hours",
            "session_backdated": "held_on",
        })


class CorrectionForm(forms.ModelForm):
    """考勤更正申请 (R20, 三(七)): why the marks come late or change, and optional evidence (a
    signed sign-in sheet, a note from the teacher)."""

    class Meta:
        model = AttendanceCorrection
        fields = ["reason", "evidence"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"reason": "说明考勤为何未能在截止前录入或需要修改,例如:当天停电无法登录,附签到表。"}

    def add_refusal(self, error):
        add_refusal(self, error, {"correction_reason_required": "reason"})


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """HR's decision on submitted applications (admin action)."""

    note = forms.CharField(label="意见或原因", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="退回或不批准时必须填写原因。")
    acknowledge_warnings = forms.BooleanField(label="已知悉提示", required=False)
