"""The migrations released at 0.2.0 stay as recorded (tools.schema, `manage.py schema_check`)."""

import shutil
import sqlite3
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tools import schema


def test_the_record_names_every_migration_as_it_is_now():
    record = schema.load_record()
    result = schema.check_record(record)
    assert record["version"] == "0.2.0" and len(record["commit"]) == 40
    assert (result.changed, result.missing) == ([], [])
    # Every app's first migration is in the record: the release covers the whole schema.
    assert {name.split("/")[0] for name in record["migrations"]} == {
        name.split("/")[0] for name in schema.migration_files()}


def test_the_command_accepts_the_recorded_migrations():
    out = StringIO()
    call_command("schema_check", stdout=out)
    assert "未被改动" in out.getvalue()


@pytest.fixture
def released(tmp_path):
    """A copy of the migrations, recorded as a release in the copy."""
    for name in schema.migration_files():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(schema.ROOT / name, target)
    record = tmp_path / "schema" / "0.2.0.json"
    schema.write_record("0" * 40, root=tmp_path, path=record)
    return tmp_path, schema.load_record(record)


def test_a_changed_a_removed_and_a_newer_migration_are_each_found(released):
    root, record = released
    changed, removed = sorted(record["migrations"])[:2]
    (root / changed).write_text((root / changed).read_text() + "\n# edited after the release\n")
    (root / removed).unlink()
    (root / "courses" / "migrations" / "0099_later.py").write_text("# a later migration\n")
    result = schema.check_record(record, root=root)
    assert result.changed == [changed]
    assert result.missing == [removed]
    assert result.newer == ["courses/migrations/0099_later.py"]
    assert not result.ok


def test_an_untouched_release_with_nothing_newer_is_ok(released):
    root, record = released
    result = schema.check_record(record, root=root)
    assert result.ok and result.newer == []


def test_rows_and_claim_totals_are_read_exactly(tmp_path):
    database = tmp_path / "county.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE subsidies_subsidyclaim (total_amount decimal)")
        conn.execute("CREATE TABLE subsidies_claimline (amount decimal, is_void bool)")
        conn.execute("CREATE TABLE django_migrations (name text)")
        conn.executemany("INSERT INTO subsidies_subsidyclaim VALUES (?)", [("0.10",), ("0.20",), ("1234.55",)])
        conn.executemany("INSERT INTO subsidies_claimline VALUES (?, ?)", [("0.10", 0), ("0.20", 0), ("9.99", 1)])
        conn.execute("INSERT INTO django_migrations VALUES ('x')")
    assert schema.table_counts(database) == {"subsidies_claimline": 3, "subsidies_subsidyclaim": 3}
    assert schema.claim_totals(database) == (Decimal("1234.85"), Decimal("0.30"))


def test_the_command_refuses_a_changed_release(released, monkeypatch):
    root, _ = released
    first = schema.migration_files(root)[0]
    (root / first).write_text("# rewritten\n")
    monkeypatch.setattr(schema, "ROOT", root)
    monkeypatch.setattr(schema, "RECORD", root / "schema" / "0.2.0.json")
    with pytest.raises(CommandError, match="已发布的迁移文件被改动"):
        call_command("schema_check")
