from django import forms

from trainees.fields import IdNumberFormField
from trainees.models import Education, TraineeCategory
from trainees.policy import ADDRESS_MAX_CHARS, NAME_MAX_CHARS, PHONE_MAX_CHARS
from trainees.validators import validate_phone


class RegistrationForm(forms.Form):
    id_number = IdNumberFormField(label="身份证号", max_length=18,
                                  help_text="输入后自动显示出生日期和性别;已登记的人不会重复登记。",
                                  widget=forms.TextInput(attrs={"data-id-number": "1", "inputmode": "text"}))
    name = forms.CharField(label="姓名", max_length=NAME_MAX_CHARS)
    phone = forms.CharField(label="联系电话", max_length=PHONE_MAX_CHARS, required=False,
                            validators=[validate_phone], widget=forms.TextInput(attrs={"inputmode": "tel"}))
    category = forms.ChoiceField(label="培训对象类别", choices=TraineeCategory.choices)
    held_from = forms.DateField(label="类别起始日期", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    education = forms.ChoiceField(label="文化程度", choices=[("", "—"), *Education.choices], required=False)
    address = forms.CharField(label="住址", max_length=ADDRESS_MAX_CHARS, required=False)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="培训对象类别", choices=TraineeCategory.choices)
    held_from = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    evidence = forms.CharField(label="认定依据", max_length=200, required=False)
