"""The schema as released: the migrations at version 0.2.0 are recorded (schema/0.2.0.json: the
commit and a SHA-256 of every migration file) and never rewritten; every later model change is a
new migration on top. `manage.py schema_check` checks the record and, once a newer migration
exists, proves an upgrade loses nothing (docs/architecture.md, "Changing a model")."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
RECORD = ROOT / "schema" / "0.2.0.json"
VERSION = "0.2.0"


def migration_files(root: Path | None = None) -> list[str]:
    """Every migration file of the project's apps, as paths relative to the repository."""
    root = root or ROOT
    return sorted(str(path.relative_to(root)) for path in root.glob("*/migrations/[0-9]*.py"))


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def current_hashes(root: Path | None = None) -> dict[str, str]:
    root = root or ROOT
    return {name: digest((root / name).read_bytes()) for name in migration_files(root)}


def load_record(path: Path | None = None) -> dict:
    return json.loads((path or RECORD).read_text(encoding="utf-8"))


def write_record(commit: str, root: Path | None = None, path: Path | None = None) -> dict:
    """Record the migrations as they are now, at `commit` (which must hold exactly these files)."""
    record = {"version": VERSION, "commit": commit, "migrations": current_hashes(root)}
    path = path or RECORD
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return record


@dataclass
class RecordCheck:
    changed: list[str]
    missing: list[str]
    newer: list[str]

    @property
    def ok(self) -> bool:
        return not self.changed and not self.missing


def check_record(record: dict, root: Path | None = None) -> RecordCheck:
    """Which recorded migrations changed or went missing, and which migrations came after."""
    now = current_hashes(root)
    recorded = record["migrations"]
    return RecordCheck(
        changed=sorted(name for name, sha in recorded.items() if name in now and now[name] != sha),
        missing=sorted(name for name in recorded if name not in now),
        newer=sorted(name for name in now if name not in recorded),
    )


def commit_hashes(commit: str, names: list[str], root: Path | None = None) -> dict[str, str | None]:
    """The files' hashes as the recorded commit holds them (None: not in that commit)."""
    result: dict[str, str | None] = {}
    for name in names:
        shown = subprocess.run(["git", "show", f"{commit}:{name}"], cwd=root or ROOT, capture_output=True)
        result[name] = digest(shown.stdout) if shown.returncode == 0 else None
    return result


def table_counts(database: Path) -> dict[str, int]:
    """Rows per table of a SQLite database (Django's own bookkeeping tables left out)."""
    with sqlite3.connect(database) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('django_migrations', 'django_session', 'django_admin_log')")]
        return {table: conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)}


def claim_totals(database: Path) -> tuple[Decimal, Decimal]:
    """The claims' totals and the live lines' amounts, summed exactly to the fen."""
    fen = Decimal("0.01")
    with sqlite3.connect(database) as conn:
        claims = conn.execute("SELECT total_amount FROM subsidies_subsidyclaim").fetchall()
        lines = conn.execute("SELECT amount FROM subsidies_claimline WHERE NOT is_void").fetchall()
    return (sum((Decimal(str(row[0])).quantize(fen) for row in claims), Decimal("0.00")),
            sum((Decimal(str(row[0])).quantize(fen) for row in lines), Decimal("0.00")))
