"""Fast inserts for large imports: one executemany per table instead of the ORM's per-row SQL
compilation (about ten times faster for the 10,000-row sheets), with the change-history rows
written the same way, so an import is audited like a screen edit."""

import uuid

from django.db import connection
from django.utils import timezone


def _prep(field, value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return field.get_db_prep_save(value, connection)


def insert_rows(model, objects):
    """INSERT every object (pk left to the database) in one executemany."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    rows = [[_prep(f, getattr(obj, f.attname)) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def insert_history(model, objects, *, user, reason):
    """The simple_history rows ('+' created) of freshly inserted objects, which carry their pks."""
    history = model.history.model
    now = timezone.now()
    extra = {"history_date": now, "history_change_reason": reason, "history_type": "+",
             "history_user_id": getattr(user, "pk", None)}
    fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
    uuid_pk = history._meta.pk.get_internal_type() == "UUIDField"
    if uuid_pk:
        fields = [history._meta.pk, *fields]
    table = connection.ops.quote_name(history._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    rows = []
    for obj in objects:
        row = []
        for f in fields:
            if f is history._meta.pk:
                row.append(uuid.uuid4().hex)
            elif f.attname in extra:
                row.append(_prep(f, extra[f.attname]))
            else:
                row.append(_prep(f, getattr(obj, f.attname)))
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
