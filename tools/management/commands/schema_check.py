"""`manage.py schema_check [--upgrade] [--record COMMIT]`: the migrations recorded at 0.2.0 are
unchanged, and a county built at that schema upgrades to the current head losing nothing.

CI runs it with --upgrade (.ci/run). Without a migration newer than the record, the upgrade has
nothing to prove and the command says so. With one, it extracts the recorded commit into a
temporary folder, builds a county there (`generate_data --scale county`) in a SQLite database,
migrates that database with the current code and compares every table's row count and the claims'
totals: any table with fewer rows, or any total that moved, fails."""

import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools import schema


class Command(BaseCommand):
    help = "核对 0.2.0 版数据库迁移记录未被改动,并在有新迁移时验证从 0.2.0 升级不丢数据。"

    def add_arguments(self, parser):
        parser.add_argument("--upgrade", action="store_true", help="有新迁移时,构建 0.2.0 时的一个县并升级到当前版本。")
        parser.add_argument("--record", metavar="COMMIT", help="记录当前迁移文件(发布 0.2.0 时用一次)。")

    def handle(self, *args, upgrade=False, record=None, **options):
        if record:
            written = schema.write_record(record)
            self.stdout.write(f"已记录 {len(written['migrations'])} 个迁移文件(提交 {record})。")
            return
        recorded = schema.load_record()
        result = schema.check_record(recorded)
        if result.changed or result.missing:
            raise CommandError(
                "0.2.0 版已发布的迁移文件被改动或删除:" + "、".join(result.changed + result.missing)
                + "。已发布的迁移不能再改:请恢复这些文件,把模型的改动写成新的迁移。")
        at_commit = schema.commit_hashes(recorded["commit"], list(recorded["migrations"]))
        if any(at_commit.values()):  # a clone with the history: the record must match its commit
            differing = [name for name, sha in at_commit.items() if sha != recorded["migrations"][name]]
            if differing:
                raise CommandError(f"迁移记录与提交 {recorded['commit'][:12]} 中的文件不一致:" + "、".join(differing))
        self.stdout.write(f"0.2.0 版的 {len(recorded['migrations'])} 个迁移文件未被改动。")
        if not result.newer:
            self.stdout.write("0.2.0 之后还没有新的迁移:升级检查无需运行。")
            return
        self.stdout.write("0.2.0 之后的迁移:" + "、".join(result.newer))
        if upgrade:
            self.upgrade(recorded["commit"])

    def upgrade(self, commit):
        with tempfile.TemporaryDirectory() as folder:
            old = Path(folder) / "at-0.2.0"
            old.mkdir()
            archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=schema.ROOT,
                                     capture_output=True, check=True).stdout
            with tarfile.open(fileobj=BytesIO(archive)) as tar:
                tar.extractall(old, filter="data")
            database = Path(folder) / "county.sqlite3"
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "true"}
            env.pop("REPLICA_DATABASE_URL", None)
            for step in (["migrate", "--noinput", "-v0"], ["generate_data", "--scale", "county", "--seed", "1"]):
                subprocess.run([sys.executable, "manage.py", *step], cwd=old, env=env, check=True)
            before, totals_before = schema.table_counts(database), schema.claim_totals(database)
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=schema.ROOT, env=env,
                           check=True)
            after, totals_after = schema.table_counts(database), schema.claim_totals(database)
        lost = {table: (rows, after.get(table)) for table, rows in before.items()
                if after.get(table) is None or after[table] < rows}
        for table, rows in before.items():
            self.stdout.write(f"{table:48} {rows:>9} → {after.get(table, '无此表')!s:>9}")
        self.stdout.write(f"申领总额 {totals_before[0]} → {totals_after[0]};有效明细合计 {totals_before[1]} → {totals_after[1]}")
        if lost or totals_before != totals_after:
            raise CommandError("从 0.2.0 升级后数据减少:" + "、".join(
                f"{table} {rows}→{now}" for table, (rows, now) in lost.items()) + (
                "" if totals_before == totals_after else ";申领金额合计发生变化"))
        self.stdout.write(self.style.SUCCESS("从 0.2.0 升级到当前版本:所有表的行数和申领金额均未减少。"))
