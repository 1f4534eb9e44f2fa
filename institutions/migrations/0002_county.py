"""The county of an institution's yearly listing (issue 17), nullable until programme 0003 fills it."""

import django.db.models.deletion
from django.db import migrations, models

import programme.models


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0001_initial'),
        ('programme', '0002_county'),
    ]

    operations = [
        migrations.AddField(model_name='institutionyear', name='county', field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='institution_years', to='programme.county', verbose_name='所属县(市、区)')),
    ]
