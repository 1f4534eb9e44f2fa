"""Every row a county owns gets its county (issue 17): a township the county its GB/T 2260 code
names (its first six digits), else the deployment's county (settings COUNTY_CODE, COUNTY_NAME); a
class, an institution's yearly listing the county of the institution's township; a small-enterprise
subsidy the county of the hire's township; a target line the deployment's county. Then the columns
are required."""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

import programme.models

COUNTY_CODE = re.compile(r"^[1-9][0-9]{3}(?!00)[0-9]{2}")


def fill(apps, schema_editor):
    County = apps.get_model("programme", "County")
    Township = apps.get_model("programme", "Township")
    owned = ("programme.Township", "programme.TargetLine", "courses.TrainingClass", "institutions.InstitutionYear",
             "subsidies.SmallEnterpriseSubsidy")
    if not any(apps.get_model(label).objects.exists() for label in owned):
        return  # a new database: the deployment's county is made on first use (default_county_id)
    default, _ = County.objects.get_or_create(
        code=settings.COUNTY_CODE, defaults={"name": settings.COUNTY_NAME, "city_name": settings.COUNTY_CITY_NAME})
    by_code = {default.code: default}
    townships: dict[int, list[int]] = {}
    for pk, code, name in Township.objects.values_list("pk", "code", "county_name"):
        key = code[:6] if COUNTY_CODE.match(code or "") else default.code
        if key not in by_code:
            by_code[key] = County.objects.create(code=key, name=name or key)
        townships.setdefault(by_code[key].pk, []).append(pk)
    for county_id, pks in townships.items():
        for start in range(0, len(pks), 500):
            Township.objects.filter(pk__in=pks[start:start + 500]).update(county_id=county_id)
    apps.get_model("programme", "TargetLine").objects.update(county_id=default.pk)

    institution_county = apps.get_model("institutions", "TrainingInstitution").objects.filter(
        pk=OuterRef("institution_id")).values("township__county_id")[:1]
    for model in ("courses.TrainingClass", "institutions.InstitutionYear"):
        apps.get_model(model).objects.update(county_id=Coalesce(Subquery(institution_county), Value(default.pk)))
    hire_county = apps.get_model("trainees", "Trainee").objects.filter(pk=OuterRef("hire_id")).values("township__county_id")[:1]
    apps.get_model("subsidies", "SmallEnterpriseSubsidy").objects.update(
        county_id=Coalesce(Subquery(hire_county), Value(default.pk)))


def field(related, default=False):
    extra = {"default": programme.models.default_county_id} if default else {}
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name=related, to="programme.county",
                             verbose_name="所属县(市、区)", **extra)


class Migration(migrations.Migration):

    dependencies = [
        ("programme", "0002_county"),
        ("courses", "0003_county"),
        ("institutions", "0002_county"),
        ("subsidies", "0002_county"),
        ("trainees", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="township", name="county", field=field("townships")),
        migrations.AlterField(model_name="township", name="county", field=field("townships", default=True)),
        migrations.RemoveField(model_name="township", name="county_name"),
        migrations.AlterField(model_name="targetline", name="county", field=field("target_lines")),
        migrations.AlterField(model_name="targetline", name="county", field=field("target_lines", default=True)),
        migrations.RemoveConstraint(model_name="targetline", name="skills_program_targetline_unique_name"),
        migrations.AddConstraint(
            model_name="targetline",
            constraint=models.UniqueConstraint(
                fields=("county", "policy_year", "name"), name="programme_targetline_unique_name",
                violation_error_code="unique_name", violation_error_message="本年度已有同名任务类别。"),
        ),
        migrations.AddConstraint(
            model_name="township",
            constraint=models.UniqueConstraint(
                fields=("county", "name"), name="programme_township_unique_name_in_county",
                violation_error_code="unique_name", violation_error_message="本县已有同名乡镇。"),
        ),
    ]
