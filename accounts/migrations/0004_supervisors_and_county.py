"""County HR staff belong to a county; city and province supervisors to an area (issue 17)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_initial'),
        ('certification', '0002_initial'),
        ('institutions', '0003_county_required'),
        ('programme', '0003_fill_county'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='userprofile',
            name='accounts_userprofile_role_matches_party',
        ),
        migrations.AddField(
            model_name='userprofile',
            name='area_code',
            field=models.CharField(blank=True, help_text='市人社局督导填本市区划代码(如140400),省人社厅督导填本省区划代码(如140000)。', max_length=6, verbose_name='督导区域代码'),
        ),
        migrations.AddField(
            model_name='userprofile',
            name='county',
            field=models.ForeignKey(blank=True, help_text='县人社局工作人员所在的县;只有一个县时可以不选。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='staff', to='programme.county', verbose_name='县(市、区)'),
        ),
        migrations.AlterField(
            model_name='userprofile',
            name='role',
            field=models.CharField(choices=[('hr', '县人社局工作人员'), ('institution', '培训机构'), ('township', '乡镇'), ('evaluator', '评价机构'), ('city_supervisor', '市人社局督导'), ('province_supervisor', '省人社厅督导')], max_length=20, verbose_name='身份'),
        ),
        migrations.AddConstraint(
            model_name='userprofile',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('evaluation_body__isnull', True), ('institution__isnull', True), ('role', 'hr'), ('township__isnull', True)), models.Q(('evaluation_body__isnull', True), ('institution__isnull', False), ('role', 'institution'), ('township__isnull', True)), models.Q(('evaluation_body__isnull', True), ('institution__isnull', True), ('role', 'township'), ('township__isnull', False)), models.Q(('evaluation_body__isnull', False), ('institution__isnull', True), ('role', 'evaluator'), ('township__isnull', True)), models.Q(('evaluation_body__isnull', True), ('institution__isnull', True), ('role__in', ('city_supervisor', 'province_supervisor')), ('township__isnull', True)), _connector='OR'), name='accounts_userprofile_role_matches_party', violation_error_code='role_matches_party', violation_error_message='身份与所属单位不一致:培训机构用户须选择机构,乡镇用户须选择乡镇,评价机构用户须选择评价机构,县人社局用户和督导不选单位。'),
        ),
        migrations.AddConstraint(
            model_name='userprofile',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('role', 'hr'), ('county__isnull', True), _connector='OR'), models.Q(models.Q(('area_code__regex', '^[1-9][0-9]0000$'), ('role', 'province_supervisor')), models.Q(('area_code__regex', '^[1-9][0-9]{3}00$'), ('role', 'city_supervisor'), models.Q(('area_code__endswith', '0000'), _negated=True)), models.Q(models.Q(('role__in', ('city_supervisor', 'province_supervisor')), _negated=True), ('area_code', '')), _connector='OR')), name='accounts_userprofile_area_matches_role', violation_error_code='area_matches_role', violation_error_message='只有县人社局工作人员选择所在县;市人社局督导填本市区划代码(末两位00),省人社厅督导填本省区划代码(末四位0000),其他身份不填。'),
        ),
    ]
