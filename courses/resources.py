"""The occupation catalogue (三(三)) as a spreadsheet in the admin (see common/resources.py)."""

from import_export import fields

from common.resources import ChoiceWidget, ReferenceResource, TextWidget, YesNoWidget
from courses.models import CertificateKind, Industry, Occupation
from programme.resources import year_widget


class OccupationResource(ReferenceResource):
    """职业(工种) of a year's catalogue, keyed by year and name (a name is unique in its year; the
    national code may be blank)."""

    policy_year = fields.Field(attribute="policy_year", column_name="政策年度", widget=year_widget())
    name = fields.Field(attribute="name", column_name="职业(工种)", widget=TextWidget())
    code = fields.Field(attribute="code", column_name="国家职业编码", widget=TextWidget())
    industry = fields.Field(attribute="industry", column_name="重点产业", widget=ChoiceWidget(Industry))
    is_key_trade = fields.Field(attribute="is_key_trade", column_name="重点工种/劳务品牌", widget=YesNoWidget())
    certificate_kind = fields.Field(attribute="certificate_kind", column_name="证书类型",
                                    widget=ChoiceWidget(CertificateKind))
    has_national_standard = fields.Field(attribute="has_national_standard", column_name="有国家职业标准",
                                         widget=YesNoWidget())
    has_enterprise_specification = fields.Field(attribute="has_enterprise_specification",
                                                column_name="有企业岗位规范", widget=YesNoWidget())
    standard_reference = fields.Field(attribute="standard_reference", column_name="标准或规范名称",
                                      widget=TextWidget())

    class Meta:
        model = Occupation
        fields = ("policy_year", "name", "code", "industry", "is_key_trade", "certificate_kind",
                  "has_national_standard", "has_enterprise_specification", "standard_reference")
        import_id_fields = ("policy_year", "name")
        name = "职业(工种)目录"
