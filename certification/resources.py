"""Evaluation bodies and their plans (三(六), R12) as spreadsheets in the admin (see
common/resources.py)."""

import re

from import_export import fields, widgets

from certification.models import EvaluationBody, EvaluationBodyKind, EvaluationPlan
from common.resources import (
    ChineseDateWidget,
    ChoiceWidget,
    NaturalKeyWidget,
    PhoneWidget,
    ReferenceResource,
    TextWidget,
    text_of,
    whole_number,
)
from courses.models import Occupation
from institutions.resources import CreditCodeWidget, credit_code_of
from programme.resources import year_widget

YEAR_COLUMN = "政策年度"
SEPARATORS = re.compile(r"[、,,;;\n]+")


class EvaluationBodyResource(ReferenceResource):
    """评价机构, keyed by the unified social credit code."""

    name = fields.Field(attribute="name", column_name="名称", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(EvaluationBodyKind))
    credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码", widget=CreditCodeWidget())
    contact_person = fields.Field(attribute="contact_person", column_name="联系人", widget=TextWidget())
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话", widget=PhoneWidget())

    class Meta:
        model = EvaluationBody
        fields = ("name", "kind", "credit_code", "contact_person", "contact_phone")
        import_id_fields = ("credit_code",)
        name = "评价机构"


class OccupationsWidget(widgets.ManyToManyWidget):
    """The occupations a plan covers, by name (or national code), separated by 、 , ; or a line
    break, looked up in the catalogue of the row's year; exported as names joined by 、."""

    def __init__(self):
        super().__init__(Occupation, field="name", separator="、")

    def clean(self, value, row=None, **kwargs):
        wanted = [part.strip() for part in SEPARATORS.split(text_of(value)) if part.strip()]
        if not wanted:
            return Occupation.objects.none()
        try:
            year = whole_number((row or {}).get(YEAR_COLUMN))
        except ValueError:
            year = None
        if year is None:
            raise ValueError("请先填写政策年度:按该年度的职业目录查找职业(工种)。")
        catalogue = Occupation.objects.filter(policy_year_id=year)
        by_name = {occupation.name: occupation.pk for occupation in catalogue.filter(name__in=wanted)}
        by_code = {occupation.code: occupation.pk for occupation in catalogue.filter(code__in=wanted).exclude(code="")}
        missing = [item for item in wanted if item not in by_name and item not in by_code]
        if missing:
            raise ValueError(f"{year}年职业目录中没有「{'、'.join(missing)[:100]}」。")
        return Occupation.objects.filter(pk__in=[by_name.get(item) or by_code[item] for item in wanted])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "、".join(sorted(occupation.name for occupation in value.all()))


class EvaluationPlanResource(ReferenceResource):
    """评价实施方案, keyed by the body's credit code, the year and the title. The plan's file is
    uploaded on its page; the body's name is exported for the reader and ignored on import."""

    evaluation_body = fields.Field(
        attribute="evaluation_body", column_name="评价机构统一社会信用代码",
        widget=NaturalKeyWidget(EvaluationBody, "credit_code", label="统一社会信用代码为", to_key=credit_code_of,
                                hint="的评价机构:请先在“评价机构”中登记"))
    evaluation_body_name = fields.Field(attribute="evaluation_body__name", column_name="评价机构", readonly=True,
                                        widget=TextWidget())
    policy_year = fields.Field(attribute="policy_year", column_name=YEAR_COLUMN, widget=year_widget())
    title = fields.Field(attribute="title", column_name="方案名称", widget=TextWidget())
    occupations = fields.Field(attribute="occupations", column_name="覆盖的职业(工种)", widget=OccupationsWidget())
    published_on = fields.Field(attribute="published_on", column_name="向社会公布日期", widget=ChineseDateWidget())

    class Meta:
        model = EvaluationPlan
        fields = ("evaluation_body", "evaluation_body_name", "policy_year", "title", "occupations", "published_on")
        import_id_fields = ("evaluation_body", "policy_year", "title")
        name = "评价实施方案"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("evaluation_body").prefetch_related("occupations")
