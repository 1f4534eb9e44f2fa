from django import forms


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
