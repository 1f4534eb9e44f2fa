from django import forms

from checkin.photos import ACCEPT_ATTRIBUTE


class CheckInForm(forms.Form):
    """Plain text fields: checkin.policy normalises them (full-width characters, spaces) and
    says what is wrong."""

    code = forms.CharField(label="签到码", max_length=20, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "placeholder": "6位,见老师屏幕"}))
    name = forms.CharField(label="姓名", max_length=50, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_ending = forms.CharField(label="身份证号后4位", max_length=8, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "spellcheck": "false", "placeholder": "如 123X"}))


class SessionPhotoForm(forms.Form):
    """One photo per submit; checkin.photos checks what it really is (not the browser's type)."""

    photo = forms.FileField(
        label="现场照片", error_messages={"required": "请先拍照或选择一张照片,再点“上传照片”。"},
        widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "capture": "environment"}),
    )


class RemoteInspectionForm(forms.Form):
    """County HR's remote inspection of a class from its photo wall (三(七) 视频调阅)."""

    inspected_on = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text="实际调阅的日期,默认今天。")
    findings = forms.CharField(label="检查发现", widget=forms.Textarea(attrs={"rows": 4}),
                               error_messages={"required": "请填写检查发现:调阅了哪些课次的照片和考勤、看到了什么。"})
    is_compliant = forms.TypedChoiceField(label="检查结论", choices=[("1", "合格"), ("0", "不合格")],
                                          coerce=lambda value: value == "1", widget=forms.RadioSelect,
                                          error_messages={"required": "请选择检查结论:合格或不合格。"})
    follow_up = forms.CharField(label="整改要求", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="不合格时写明整改要求和期限。")
