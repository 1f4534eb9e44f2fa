"""Forms of the institution portal and the admin; clean() delegates to courses.policy."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from courses import policy
from courses.models import Occupation, SessionKind, Textbook, TrainingClass
from skills_program.models import TargetLine

PLAN_FIELDS = ["name", "occupation", "level", "target_line", "training_mode", "planned_start_on", "planned_end_on",
               "planned_days", "total_hours", "practical_hours", "capacity", "venue", "teachers", "roster_plan",
               "syllabus", "teaching_plan", "assessment_plan"]


class ClassPlanMixin:
    """Runs the rules a class plan must meet on its own (R1, R4, R5, R12) and keeps the R4
    warning in `self.warnings` for the page to show."""

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
                end_on=data["planned_end_on"], p=self.policy_year.params(),
            )
        except ValidationError as error:
            for item in error.error_list:
                self.add_error(None, item)
        occupation = data.get("occupation")
        if occupation is not None:
            try:
                policy.ensure_level_matches_kind(certificate_kind=occupation.certificate_kind,
                                                 level=data.get("level", ""))
            except ValidationError as error:
                self.add_error("level", error)
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

    def __init__(self, *args, policy_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy_year = policy_year
        self.fields["occupation"].queryset = Occupation.objects.filter(policy_year=policy_year)
        self.fields["target_line"].queryset = TargetLine.objects.filter(policy_year=policy_year)


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


class EnrolForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    voucher_code = forms.CharField(label="或培训券号", max_length=30, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not data.get("voucher_code"):
            raise ValidationError("请填写学员身份证号或培训券号。", code="trainee_required")
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="退学日期")
    reason = forms.CharField(label="退学原因", max_length=200)


class SessionForm(forms.Form):
    held_on = forms.DateField(label="上课日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="开始时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    hours = forms.DecimalField(label="课时", min_value=0.5, max_digits=4, decimal_places=1)
    kind = forms.ChoiceField(label="类型", choices=SessionKind.choices)
    topic = forms.CharField(label="教学内容", max_length=200, required=False)
    teacher = forms.CharField(label="授课教师", max_length=50, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """HR's decision on submitted applications (admin action)."""

    note = forms.CharField(label="意见或原因", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="退回或不批准时必须填写原因。")
    acknowledge_warnings = forms.BooleanField(label="已知悉提示", required=False)
