"""The county of a small-enterprise subsidy (issue 17), nullable until programme 0003 fills it."""

import django.db.models.deletion
from django.db import migrations, models

import programme.models


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0001_initial'),
        ('programme', '0002_county'),
    ]

    operations = [
        migrations.AddField(model_name='historicalsmallenterprisesubsidy', name='county', field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='programme.county', verbose_name='所属县(市、区)')),
        migrations.AddField(model_name='smallenterprisesubsidy', name='county', field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='enterprise_subsidies', to='programme.county', verbose_name='所属县(市、区)')),
    ]
