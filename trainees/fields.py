"""The resident ID number as a model field whose form field normalises what a clerk types."""

from django import forms
from django.db import models

from trainees.policy import normalise_id_number


class IdNumberFormField(forms.CharField):
    """Accepts spaces, full-width digits and a lower-case x, and hands on the normalised number;
    the 18-character limit applies after normalisation."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_id_number(value) if value else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"maxlength": "30", "autocomplete": "off", "spellcheck": "false"})
        return attrs


class ResidentIdField(models.CharField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": IdNumberFormField, **kwargs})
