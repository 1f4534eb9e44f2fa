"""The table of the database cache (settings.CACHES, checkin.cache.DatabaseCache): created by
`migrate` so that a fresh database, the test databases and every deployment have it without a
separate `createcachetable` step. Nothing is created when CACHE_URL points at Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("checkin", "0002_initial"),
    ]

    operations = [
        # Reversing leaves the table: it holds only counters that expire within minutes.
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
