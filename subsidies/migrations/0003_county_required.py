"""Every small-enterprise subsidy has its county (filled by programme 0003)."""

import django.db.models.deletion
from django.db import migrations, models

import programme.models


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0002_county'),
        ('programme', '0003_fill_county'),
    ]

    operations = [
        migrations.AlterField(model_name='smallenterprisesubsidy', name='county', field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enterprise_subsidies', to='programme.county', verbose_name='所属县(市、区)')),
        migrations.AlterField(model_name='smallenterprisesubsidy', name='county', field=models.ForeignKey(default=programme.models.default_county_id, on_delete=django.db.models.deletion.PROTECT, related_name='enterprise_subsidies', to='programme.county', verbose_name='所属县(市、区)')),
        migrations.AlterField(model_name='historicalsmallenterprisesubsidy', name='county', field=models.ForeignKey(blank=True, db_constraint=False, default=programme.models.default_county_id, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='programme.county', verbose_name='所属县(市、区)')),
    ]
