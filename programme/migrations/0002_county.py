"""The county as a scope (issue 17): counties, their own policy years, and the county columns of
townships and target lines, nullable until 0003 fills them with the deployment's county."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('programme', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='County',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(help_text='GB/T 2260 县级行政区划代码,6位,如140421。', max_length=6, unique=True, validators=[django.core.validators.RegexValidator('^[1-9][0-9]{3}(?!00)[0-9]{2}$', '区划代码为6位数字(GB/T 2260),县级代码末两位不是00。')], verbose_name='区划代码')),
                ('name', models.CharField(max_length=50, verbose_name='名称')),
                ('city_name', models.CharField(blank=True, max_length=50, verbose_name='所属市')),
            ],
            options={
                'verbose_name': '县(市、区)',
                'verbose_name_plural': '县(市、区)',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='CountyYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('document', models.CharField(blank=True, default='长县政办发〔2018〕30号《长治县全民技能提升工程实施方案》', max_length=200, verbose_name='政策依据')),
                ('annual_target', models.PositiveIntegerField(default=5000, help_text='每年经过培训并取得相应证书的劳动者人数(《实施方案》二)。', verbose_name='年度培训取证目标(人)')),
                ('max_class_size', models.PositiveSmallIntegerField(default=50, help_text='R1 《实施方案》三(五):培训班的班容量控制在50人以内。', verbose_name='班容量上限(人)')),
                ('max_parallel_classes', models.PositiveSmallIntegerField(default=1, help_text='R2 《实施方案》三(五):一般同一时间一个班。', verbose_name='同工种同时开班数')),
                ('max_parallel_classes_approved', models.PositiveSmallIntegerField(default=2, help_text='R2:经县人社局认定具备条件的,可两个班同时进行。', verbose_name='具备条件时同工种同时开班数')),
                ('min_attendance_rate', models.DecimalField(decimal_places=4, default=Decimal('0.85'), help_text='R3 《实施方案》三(五):到课率不得低于85%。填0.85。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='到课率下限')),
                ('min_practical_share', models.DecimalField(decimal_places=4, default=Decimal('0.65'), help_text='R4:低于此比例不予开班。填0.65。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='实操课时占比下限')),
                ('target_practical_share', models.DecimalField(decimal_places=4, default=Decimal('0.70'), help_text='R4 《实施方案》三(五):实操实训时间应占全部培训课时70%左右;低于目标给予提示。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='实操课时占比目标')),
                ('standard_days', models.PositiveSmallIntegerField(default=10, help_text='R5 《实施方案》四(二)。', verbose_name='标准培训天数')),
                ('standard_hours', models.PositiveSmallIntegerField(default=80, help_text='R5:10天(80个课时)左右。', verbose_name='标准培训课时')),
                ('max_days', models.PositiveSmallIntegerField(default=15, help_text='R5:最长不超过15天。', verbose_name='最长培训天数')),
                ('max_hours', models.PositiveSmallIntegerField(default=120, help_text='R5:最多120个课时。', verbose_name='最多培训课时')),
                ('max_hours_per_day', models.PositiveSmallIntegerField(default=8, help_text='R5:每天不超过8个课时。', verbose_name='每天最多课时')),
                ('full_day_rate', models.DecimalField(decimal_places=2, default=Decimal('150.00'), help_text='R6 《实施方案》四(二):10天以内每人每天150元。', max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='前段每人每天补贴(元)')),
                ('reduced_day_rate', models.DecimalField(decimal_places=2, default=Decimal('100.00'), help_text='R6:10天以后每人每天100元。', max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='后段每人每天补贴(元)')),
                ('full_rate_days', models.PositiveSmallIntegerField(default=10, help_text='R6:按前段标准补贴的天数。', verbose_name='前段补贴天数')),
                ('first_instalment_share', models.DecimalField(decimal_places=4, default=Decimal('0.80'), help_text='R7 《实施方案》四(二):取得证书后先拨付80%,其余20%在就业后拨付。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='首期拨付比例')),
                ('employment_window_months', models.PositiveSmallIntegerField(default=3, help_text='R7:结业后3个自然月内实现就业。', verbose_name='就业认定期(月)')),
                ('placement_reward_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), help_text='R8 《实施方案》四(二):按我省职业介绍补贴标准,由县人社局按年度设定。', max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='就业奖励(元/人)')),
                ('min_pass_rate', models.DecimalField(decimal_places=4, default=Decimal('0.80'), help_text='R11 《实施方案》三(七):合格率不达80%取消下一年度资格。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='机构培训合格率下限')),
                ('min_employment_rate', models.DecimalField(decimal_places=4, default=Decimal('0.30'), help_text='R11 《实施方案》三(七):就业率不达30%取消下一年度资格。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='机构就业率下限')),
                ('min_age', models.PositiveSmallIntegerField(default=16, help_text='R13:报名时须年满16周岁。', verbose_name='最低年龄(周岁)')),
                ('max_age', models.PositiveSmallIntegerField(blank=True, help_text='R13:如县人社局规定劳动年龄上限,报名时不得超过此年龄;《实施方案》三(一)未规定上限,留空即不限。', null=True, verbose_name='最高年龄(周岁)')),
                ('small_enterprise_hire_amount', models.DecimalField(decimal_places=2, default=Decimal('300.00'), help_text='R15 《实施方案》四(四)。', max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='小微企业新招用补贴(元/人)')),
                ('small_enterprise_min_contract_months', models.PositiveSmallIntegerField(default=6, help_text='R15:签订6个月以上劳动合同。', verbose_name='小微企业劳动合同最短期限(月)')),
                ('small_enterprise_upgrade_amount', models.DecimalField(decimal_places=2, default=Decimal('300.00'), help_text='R15:1年内取得证书或提升一个技能等级再补贴300元。', max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='小微企业取证或升级补贴(元/人)')),
                ('small_enterprise_upgrade_window_months', models.PositiveSmallIntegerField(default=12, help_text='R15:履行劳动合同1年内。', verbose_name='取证或升级期限(月)')),
                ('max_subsidised_trainings', models.PositiveSmallIntegerField(default=3, help_text='R16:同一学员每年享受补贴性培训的次数上限。', verbose_name='每人每年补贴培训次数上限')),
                ('claim_deadline_months', models.PositiveSmallIntegerField(default=12, help_text='R18:证书核发之日起12个月内申领。', verbose_name='补贴申领期限(月)')),
                ('publicity_working_days', models.PositiveSmallIntegerField(default=5, help_text='R19 《实施方案》五(三):拨付前公示的工作日数。', verbose_name='公示期(工作日)')),
                ('attendance_grace_hours', models.PositiveSmallIntegerField(default=24, help_text='《实施方案》三(七) 实时监控、严格考勤:课次结束后还可直接录入考勤的小时数;超过后须经县人社局批准更正。', verbose_name='考勤录入宽限(小时)')),
                ('backfill_min_days', models.PositiveSmallIntegerField(default=3, help_text='《实施方案》三(七) 系统监测:同一培训班这么多个不同日期课次的考勤在一次录入中(见下项)写入的,提示“补录考勤”。同一天上午、下午的课次一并录入只算一天。', validators=[django.core.validators.MinValueValidator(2)], verbose_name='集中补录天数')),
                ('backfill_sitting_minutes', models.PositiveSmallIntegerField(default=30, help_text='录入时间前后相差不超过这么多分钟的考勤,视为一次录入。', validators=[django.core.validators.MinValueValidator(1)], verbose_name='一次录入时长(分钟)')),
                ('max_correction_share', models.DecimalField(decimal_places=4, default=Decimal('0.10'), help_text='《实施方案》三(七) 系统监测:一个培训班经批准更正录入的考勤超过其全部考勤的这个比例时提示。填0.10。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='考勤更正占比上限')),
                ('photos_per_session', models.PositiveSmallIntegerField(default=1, help_text='《实施方案》三(七) 系统监测:已过考勤录入期限、有考勤的课次,现场照片少于这个张数时提示。填0不检查(尚未开展课堂现场拍照的县)。', verbose_name='每课次现场照片(张)')),
                ('min_check_in_share', models.DecimalField(decimal_places=4, default=Decimal('0.50'), help_text='《实施方案》三(七) 系统监测:已过考勤录入期限的课次中,记为出勤的学员本人自助签到的比例低于此值时提示。填0.50;填0不检查(尚未开展自助签到的县)。', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='自助签到占出勤比例下限')),
                ('uncoded_employer_max_hires', models.PositiveSmallIntegerField(default=3, help_text='《实施方案》三(七) 系统监测:同一用人单位(按名称)没有有效统一社会信用代码,同一年度招用的学员超过这个人数时提示。填0不检查。', verbose_name='无信用代码用人单位招用学员上限(人)')),
                ('is_voucher_pilot_on', models.BooleanField(default=False, help_text='《实施方案》四(三):适时开展职业技能培训券管理试点。', verbose_name='开展培训券试点')),
            ],
            options={
                'verbose_name': '本县政策年度',
                'verbose_name_plural': '本县政策年度',
                'ordering': ['-policy_year_id', 'county__code'],
            },
        ),
        migrations.AlterField(
            model_name='township',
            name='name',
            field=models.CharField(max_length=50, verbose_name='名称'),
        ),
        migrations.RenameField(model_name='township', old_name='county', new_name='county_name'),
        migrations.AddField(
            model_name='township',
            name='county',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='townships', to='programme.county', verbose_name='所属县(市、区)'),
        ),
        migrations.AddField(
            model_name='targetline',
            name='county',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='target_lines', to='programme.county', verbose_name='所属县(市、区)'),
        ),
        migrations.AddField(
            model_name='countyyear',
            name='county',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='years', to='programme.county', verbose_name='县(市、区)'),
        ),
        migrations.AddField(
            model_name='countyyear',
            name='policy_year',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='county_years', to='programme.policyyear', verbose_name='年度'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.UniqueConstraint(fields=('county', 'policy_year'), name='programme_countyyear_one_per_year', violation_error_code='one_per_year', violation_error_message='本县该年度的政策参数已建立。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('min_practical_share__lte', models.F('target_practical_share'))), name='programme_countyyear_practical_min_within_target', violation_error_code='practical_min_within_target', violation_error_message='实操课时占比下限不能高于目标(R4)。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('full_rate_days__lte', models.F('max_days')), ('standard_days__lte', models.F('max_days'))), name='programme_countyyear_days_within_max', violation_error_code='days_within_max', violation_error_message='标准天数和前段补贴天数不能超过最长培训天数(R5、R6)。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('max_parallel_classes__lte', models.F('max_parallel_classes_approved'))), name='programme_countyyear_parallel_within_approved', violation_error_code='parallel_within_approved', violation_error_message='同时开班数不能超过具备条件时的同时开班数(R2)。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('max_age__isnull', True), ('min_age__lt', models.F('max_age')), _connector='OR'), name='programme_countyyear_age_range', violation_error_code='age_range', violation_error_message='最低年龄必须小于最高年龄(R13)。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('first_instalment_share__gte', 0), ('first_instalment_share__lte', 1), ('min_attendance_rate__gte', 0), ('min_attendance_rate__lte', 1), ('target_practical_share__lte', 1), ('min_practical_share__gte', 0), ('min_pass_rate__gte', 0), ('min_pass_rate__lte', 1), ('min_employment_rate__gte', 0), ('min_employment_rate__lte', 1)), name='programme_countyyear_shares_between_0_and_1', violation_error_code='shares_between_0_and_1', violation_error_message='比例必须在0到1之间。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('full_day_rate__gte', 0), ('reduced_day_rate__gte', 0), ('placement_reward_amount__gte', 0), ('small_enterprise_hire_amount__gte', 0), ('small_enterprise_upgrade_amount__gte', 0)), name='programme_countyyear_amounts_not_negative', violation_error_code='amounts_not_negative', violation_error_message='补贴金额不能为负数。'),
        ),
        migrations.AddConstraint(
            model_name='countyyear',
            constraint=models.CheckConstraint(condition=models.Q(('max_correction_share__gte', 0), ('max_correction_share__lte', 1), ('min_check_in_share__gte', 0), ('min_check_in_share__lte', 1), ('backfill_min_days__gte', 2), ('backfill_sitting_minutes__gte', 1)), name='programme_countyyear_monitoring_thresholds', violation_error_code='monitoring_thresholds', violation_error_message='系统监测的比例必须在0到1之间,集中补录天数至少2天,一次录入时长至少1分钟。'),
        ),
    ]
