"""`manage.py bench_import`: how fast the spreadsheet imports are, on whatever DATABASE_URL is.

Builds a 10,000-row, 8-column trainee registration sheet with valid resident ID numbers and
measures, in this process and against this database: the raw parse of the file (the floor), our
import end to end (guard, parse, validate, write), a plain django-import-export ModelResource with
default options importing the same rows into the same model (the baseline), and a 50-trainee x
15-session attendance sheet. Every write is rolled back. Prints a table and one line of JSON.
"""

import json
import resource
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from io import BytesIO

import tablib
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from import_export import fields, resources, widgets
from openpyxl import Workbook
from stdnum.cn import ric

from accounts.models import Role, UserProfile
from common.uploads import guard_xlsx, read_rows
from courses import services
from courses.imports import AttendanceImport
from courses.models import ClassStatus, Enrolment, Occupation, Session, TrainingClass
from institutions.models import TrainingInstitution
from programme.models import PolicyYear, TargetLine, Township
from trainees.imports import TraineeRegistration
from trainees.models import CategoryMembership, Trainee


def id_numbers(count, region="140421"):
    numbers, day = [], date(1970, 1, 1)
    while len(numbers) < count:
        for sequence in range(0, 1000, 7):
            first17 = f"{region}{day:%Y%m%d}{sequence:03d}"
            numbers.append(first17 + ric.calc_check_digit(first17 + "0"))
            if len(numbers) == count:
                break
        day += timedelta(days=1)
    return numbers


def registration_sheet(rows, township, region="140421"):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学员登记")
    sheet.append(["身份证号", "姓名", "联系电话", "所属乡镇", "文化程度", "培训对象类别", "类别起始日期", "住址"])
    for i, number in enumerate(id_numbers(rows, region=region)):
        sheet.append([number, f"学员{i}", f"139{i:08d}", township, "初中", "农村劳动力", "2018-05-14", f"韩店村{i}号"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "测量表格导入速度(1万行学员登记、50人×15课次考勤表),与 django-import-export 默认配置对比。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--skip-baseline", action="store_true", help="不运行 django-import-export 对照(很慢)。")

    def handle(self, *args, **options):
        rows = options["rows"]
        content = registration_sheet(rows, "测速镇")
        results = {"rows": rows, "database": connection.vendor}
        results["parse_floor_s"] = self.parse_floor(content)
        results["import_s"], results["peak_mib"] = self.ours(content, rows)
        results["baseline_s"] = None if options["skip_baseline"] else self.baseline(content, rows)
        results["ratio"] = round(results["baseline_s"] / results["import_s"], 1) if results["baseline_s"] else None
        results["attendance_sheet_s"] = self.attendance()
        self.stdout.write(f"数据库            {results['database']}")
        self.stdout.write(f"行数              {rows}")
        self.stdout.write(f"解析下限          {results['parse_floor_s']:.3f} s")
        self.stdout.write(f"本系统导入        {results['import_s']:.3f} s(进程峰值内存 {results['peak_mib']:.1f} MiB)")
        if results["baseline_s"]:
            self.stdout.write(f"import-export默认 {results['baseline_s']:.3f} s(本系统快 {results['ratio']} 倍)")
        self.stdout.write(f"考勤表50人×15课次 {results['attendance_sheet_s']:.3f} s")
        self.stdout.write(json.dumps(results, ensure_ascii=False))

    def parse_floor(self, content):
        started = time.perf_counter()
        read_rows(guard_xlsx(SimpleUploadedFile("bench.xlsx", content)))
        return round(time.perf_counter() - started, 3)

    def setup(self):
        township = Township.objects.create(name="测速镇")
        year = PolicyYear.objects.filter(year=2018).first() or PolicyYear.objects.create(year=2018)
        user = get_user_model().objects.create(username="bench-import-hr", is_staff=True)
        UserProfile.objects.create(user=user, role=Role.HR)
        return township, year, user

    def ours(self, content, rows):
        try:
            with transaction.atomic():
                _, _, user = self.setup()
                started = time.perf_counter()
                importer = TraineeRegistration(user=user)
                plan = importer.plan(guard_xlsx(SimpleUploadedFile("bench.xlsx", content)))
                assert plan.is_clean, plan.errors[:3]
                importer.write(plan)
                elapsed = time.perf_counter() - started
                # The process's peak resident memory so far (Linux reports KiB): Django, the
                # file, the parsed rows and the ORM objects of the import all included.
                peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                assert Trainee.objects.filter(township__name="测速镇").count() == rows
                raise Rollback
        except Rollback:
            pass
        return round(elapsed, 3), round(peak_mib, 1)

    def baseline(self, content, rows):
        class TraineeResource(resources.ModelResource):
            township = fields.Field(attribute="township", column_name="township",
                                    widget=widgets.ForeignKeyWidget(Township, "name"))

            class Meta:
                model = Trainee
                fields = ("id", "id_number", "name", "phone", "township", "education", "address")

        try:
            with transaction.atomic():
                self.setup()
                started = time.perf_counter()
                dataset = tablib.Dataset().load(BytesIO(content), format="xlsx")
                dataset.headers = ["id_number", "name", "phone", "township", "education", "category", "held_from",
                                   "address"]
                # The default import_id_fields is ("id",): a blank id means every row is new.
                dataset.append_col([None] * len(dataset), header="id")
                result = TraineeResource().import_data(dataset, dry_run=False, raise_errors=True)
                elapsed = time.perf_counter() - started
                assert result.totals["new"] == rows, result.totals
                raise Rollback
        except Rollback:
            pass
        return round(elapsed, 3)

    def attendance(self):
        try:
            with transaction.atomic():
                township, year, user = self.setup()
                # The whole sheet is typed in the evening of the last session (below): every
                # session has ended, and a grace that covers the fortnight keeps each inside R20's
                # window. Set before the year has a class, as a year's parameters are; rolled back.
                year.attendance_grace_hours = 24 * 16
                year.save()
                institution = TrainingInstitution.objects.create(
                    name="测速学校", kind="private_school", credit_code="52140421MA0BENCH01"[:17] + "0",
                    responsible_person="测", responsible_title="principal")
                occupation = Occupation.objects.create(policy_year=year, name="测速工种", industry="other",
                                                       certificate_kind="training", has_national_standard=True)
                line = TargetLine.objects.create(policy_year=year, name="测速任务", target_count=1)
                start = date(2018, 6, 4)
                training_class = TrainingClass.objects.create(
                    policy_year=year, code="BENCH-1", name="测速班", institution=institution, occupation=occupation,
                    target_line=line, training_mode="demand_reserve", planned_start_on=start,
                    planned_end_on=start + timedelta(days=14), planned_days=15, total_hours=120, practical_hours=84,
                    capacity=50, venue="测", teachers="测", status=ClassStatus.IN_PROGRESS, started_on=start)
                trainees = [Trainee(id_number=n, name=f"考勤{i}", township=township)
                            for i, n in enumerate(id_numbers(50, region="140422"))]
                for trainee in trainees:
                    trainee.save()
                    CategoryMembership.objects.create(trainee=trainee, category="rural_labour",
                                                      held_from=date(2018, 1, 1))
                Enrolment.objects.bulk_create([Enrolment(training_class=training_class, trainee=t,
                                                         enrolled_on=date(2018, 5, 20)) for t in trainees])
                Session.objects.bulk_create([Session(training_class=training_class, held_on=start + timedelta(days=d),
                                                     starts_at=clock(8), hours=Decimal(8), kind="practical")
                                             for d in range(15)])
                workbook = Workbook(write_only=True)
                sheet = workbook.create_sheet("考勤表")
                sheet.append(["身份证号", "姓名", *[f"{start + timedelta(days=d):%Y-%m-%d}" for d in range(15)]])
                for trainee in trainees:
                    sheet.append([trainee.id_number, trainee.name, *(["1"] * 15)])
                buffer = BytesIO()
                workbook.save(buffer)
                real_localdate, real_now = timezone.localdate, timezone.now
                typed_at = timezone.make_aware(datetime.combine(start + timedelta(days=14), clock(20)))
                timezone.localdate = lambda *a, **k: typed_at.date()
                timezone.now = lambda: typed_at
                try:
                    started = time.perf_counter()
                    importer = AttendanceImport(user=user, training_class=training_class)
                    plan = importer.plan(guard_xlsx(SimpleUploadedFile("考勤.xlsx", buffer.getvalue())))
                    assert plan.is_clean, plan.errors[:3]
                    importer.write(plan)
                    elapsed = time.perf_counter() - started
                finally:
                    timezone.localdate, timezone.now = real_localdate, real_now
                assert services  # the import calls courses.services.record_attendance
                raise Rollback
        except Rollback:
            pass
        return round(elapsed, 3)
