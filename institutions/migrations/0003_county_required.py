"""Every yearly listing has its county; an institution is listed once per county and year (三(二))."""

import django.db.models.deletion
from django.db import migrations, models

import programme.models


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0002_county'),
        ('programme', '0003_fill_county'),
    ]

    operations = [
        migrations.AlterField(model_name='institutionyear', name='county', field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='institution_years', to='programme.county', verbose_name='所属县(市、区)')),
        migrations.AlterField(model_name='institutionyear', name='county', field=models.ForeignKey(default=programme.models.default_county_id, on_delete=django.db.models.deletion.PROTECT, related_name='institution_years', to='programme.county', verbose_name='所属县(市、区)')),
        migrations.RemoveConstraint(model_name='institutionyear', name='institutions_institutionyear_one_per_year'),
        migrations.AddConstraint(
            model_name='institutionyear',
            constraint=models.UniqueConstraint(fields=('institution', 'county', 'policy_year'), name='institutions_institutionyear_one_per_county_year', violation_error_code='one_per_year', violation_error_message='该机构在本县本年度的资格已登记。'),
        ),
    ]
