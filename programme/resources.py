"""The programme's reference data through django-import-export: townships and their yearly targets
(common/resources.py holds the shared resource, widgets and admin mixin)."""

from import_export import fields

from common.resources import (
    ChoiceWidget,
    NaturalKeyWidget,
    ReferenceResource,
    TextWidget,
    WholeNumberWidget,
    whole_number,
)
from programme.models import County, PolicyYear, Township, TownshipKind, TownshipTarget


def year_widget():
    return NaturalKeyWidget(PolicyYear, "year", label="政策年度", to_key=whole_number,
                            hint=":请先在“政策年度”中建立该年度")


def township_widget():
    return NaturalKeyWidget(Township, "name", label="乡镇", hint=":请先在“乡镇”中登记")


class TownshipResource(ReferenceResource):
    """乡镇, keyed by its county and name (a name is unique in its county)."""

    name = fields.Field(attribute="name", column_name="名称", widget=TextWidget())
    code = fields.Field(attribute="code", column_name="区划代码", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(TownshipKind))
    county = fields.Field(attribute="county", column_name="所属县(市、区)",
                          widget=NaturalKeyWidget(County, "name", label="县(市、区)", hint=":请先在“县(市、区)”中登记"))

    class Meta:
        model = Township
        fields = ("name", "code", "kind", "county")
        import_id_fields = ("county", "name")
        name = "乡镇"


class TownshipTargetResource(ReferenceResource):
    """乡镇年度任务, keyed by township name and year (one target per township and year)."""

    township = fields.Field(attribute="township", column_name="乡镇", widget=township_widget())
    policy_year = fields.Field(attribute="policy_year", column_name="政策年度", widget=year_widget())
    target_count = fields.Field(attribute="target_count", column_name="任务人数", widget=WholeNumberWidget())

    class Meta:
        model = TownshipTarget
        fields = ("township", "policy_year", "target_count")
        import_id_fields = ("township", "policy_year")
        name = "乡镇年度任务"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("township")
