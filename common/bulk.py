"""Fast inserts for large imports: COPY on PostgreSQL, one executemany on SQLite, instead of the
ORM's per-row SQL compilation (about ten times faster for the 10,000-row sheets), with the
change-history rows written the same way, so an import is audited like a screen edit.
On PostgreSQL primary keys are reserved from the table's sequence first, so every object knows
its pk after insert_rows; on SQLite the caller looks them up by a natural key."""

import uuid

from django.db import connection
from django.utils import timezone


def _prep(field, value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return field.get_db_prep_save(value, connection)


def _is_postgres():
    return connection.vendor == "postgresql"


def _write(table, fields, rows):
    """COPY on PostgreSQL (constraints still apply), executemany elsewhere."""
    quote = connection.ops.quote_name
    quoted, columns = quote(table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if _is_postgres():
            with cursor.cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {quoted} ({columns}) VALUES ({placeholders})", rows)


def _reserve_ids(model, count):
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [table, column, count])
        return [row[0] for row in cursor.fetchall()]


def insert_rows(model, objects):
    """INSERT every object in one statement stream. On PostgreSQL the pks are reserved first and
    set on the objects; elsewhere the database assigns them (look them up afterwards)."""
    if not objects:
        return
    if _is_postgres():
        for obj, pk in zip(objects, _reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk
        fields = list(model._meta.concrete_fields)
        rows = [[getattr(obj, f.attname) for f in fields] for obj in objects]
    else:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        rows = [[_prep(f, getattr(obj, f.attname)) for f in fields] for obj in objects]
    _write(model._meta.db_table, fields, rows)


def insert_history(model, objects, *, user, reason):
    """The simple_history rows ('+' created) of freshly inserted objects, which carry their pks."""
    history = model.history.model
    extra = {"history_date": timezone.now(), "history_change_reason": reason, "history_type": "+",
             "history_user_id": getattr(user, "pk", None)}
    fields = [f for f in history._meta.concrete_fields if f.name != "history_id"]
    prepare = (lambda f, v: v) if _is_postgres() else _prep
    rows = []
    for obj in objects:
        row = []
        for f in fields:
            value = extra[f.attname] if f.attname in extra else getattr(obj, f.attname)
            row.append(prepare(f, value))
        rows.append(row)
    if history._meta.pk.get_internal_type() == "UUIDField":
        fields = [history._meta.pk, *fields]
        rows = [[uuid.uuid4().hex, *row] for row in rows]
    _write(history._meta.db_table, fields, rows)
