"""Training institutions and their yearly eligibility (三(二), R10) as spreadsheets in the admin
(see common/resources.py)."""

from import_export import fields

from common.resources import (
    ChoiceWidget,
    NaturalKeyWidget,
    PhoneWidget,
    ReferenceResource,
    TextWidget,
    YesNoWidget,
    text_of,
)
from institutions.models import InstitutionKind, InstitutionYear, ResponsibleTitle, TrainingInstitution
from institutions.validators import normalise_credit_code
from programme.resources import township_widget, year_widget


def credit_code_of(value):
    """A credit code as stored: upper case, without spaces or hyphens."""
    return normalise_credit_code(text_of(value))


class CreditCodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return credit_code_of(value)


def institution_widget():
    return NaturalKeyWidget(TrainingInstitution, "credit_code", label="统一社会信用代码为", to_key=credit_code_of,
                            hint="的培训机构:请先在“培训机构”中登记")


class TrainingInstitutionResource(ReferenceResource):
    """培训机构, keyed by the unified social credit code (it stays when the name changes)."""

    name = fields.Field(attribute="name", column_name="机构名称", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="机构类型", widget=ChoiceWidget(InstitutionKind))
    credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码", widget=CreditCodeWidget())
    responsible_person = fields.Field(attribute="responsible_person", column_name="第一责任人", widget=TextWidget())
    responsible_title = fields.Field(attribute="responsible_title", column_name="责任人职务",
                                     widget=ChoiceWidget(ResponsibleTitle))
    contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话", widget=PhoneWidget())
    address = fields.Field(attribute="address", column_name="地址", widget=TextWidget())
    township = fields.Field(attribute="township", column_name="所在乡镇", widget=township_widget())

    class Meta:
        model = TrainingInstitution
        fields = ("name", "kind", "credit_code", "responsible_person", "responsible_title", "contact_phone",
                  "address", "township")
        import_id_fields = ("credit_code",)
        name = "培训机构"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("township")


class InstitutionYearResource(ReferenceResource):
    """机构年度资格, keyed by the institution's credit code and the year (one row per institution
    and year). The institution's name is exported for the reader and ignored on import."""

    institution = fields.Field(attribute="institution", column_name="统一社会信用代码", widget=institution_widget())
    institution_name = fields.Field(attribute="institution__name", column_name="机构名称", readonly=True,
                                    widget=TextWidget())
    policy_year = fields.Field(attribute="policy_year", column_name="政策年度", widget=year_widget())
    is_listed = fields.Field(attribute="is_listed", column_name="列入本县培训机构名单", widget=YesNoWidget())
    tender_reference = fields.Field(attribute="tender_reference", column_name="招标文件或批次", widget=TextWidget())
    is_disqualified = fields.Field(attribute="is_disqualified", column_name="取消承担资格", widget=YesNoWidget())
    disqualification_reason = fields.Field(attribute="disqualification_reason", column_name="取消资格原因",
                                           widget=TextWidget())

    class Meta:
        model = InstitutionYear
        fields = ("institution", "institution_name", "policy_year", "is_listed", "tender_reference",
                  "is_disqualified", "disqualification_reason")
        import_id_fields = ("institution", "policy_year")
        name = "机构年度资格"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("institution")
