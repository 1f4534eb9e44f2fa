"""`manage.py generate_data --scale province|county [--seed N]`: a believable 2018 programme year
at the sizes of SPEC.md §7, for benchmarks, loaded into an empty database.

    county    1 county (长治县, its 11 townships), 15 institutions, 6,000 trainees, 150 classes,
              about 60,000 attendance marks; SQLite or PostgreSQL.
    province  117 counties of Shanxi, about 1,400 townships, 1,200 institutions, 100 evaluation
              bodies, 1,000,000 trainees, 25,000 classes, about 10,000,000 attendance marks;
              PostgreSQL only.

The year is seen from the day the demo county lives on (14 December 2018): classes spread from
March to December in every status, rosters, sessions and attendance, results, certificates,
employment, vouchers, inspections and first-instalment claims (and the second instalment of
the classes already settled) in every claim status, amounts by R6/R7 so `reconcile_claims`
passes. Everything is drawn from random.Random seeded with --seed (default 2018): the same seed
gives the same rows.

Rows are written with COPY (PostgreSQL) or executemany (SQLite) in batches of 100,000, never one
save per row, with explicit primary keys; afterwards every sequence is set to its table's
largest id so the ORM can go on inserting. Everything happens in one transaction: a failure
leaves the database as it was. On PostgreSQL the loaded tables' foreign keys and non-unique
indexes are dropped for the load and recreated at the end of the same transaction (as
pg_restore does): recreating a foreign key checks every row, so a broken reference still fails
the whole load; CHECK and UNIQUE constraints are enforced row by row throughout. Then VACUUM
ANALYZE (ANALYZE only inside an enclosing transaction, as in tests).

This is seed data, not user actions: no change-history (simple_history) rows are written, and no
page needs them. The accounts to log in with share one password, hashed once:

    bench_hr        county HR officer and superuser (admin), like the demo's hr_admin
    bench_reviewer, bench_approver, bench_finance   HR officers of the 县人社局工作人员 group
    bench_clerk     clerk of an institution of 长治县 with classes in progress (/institution/)
    bench_town      official of 长治县韩店镇 (/township/)
    bench_eval      staff of an evaluation body
    clerkNNNN, townNNNN, evalNNN   one per other institution, township and evaluation body
"""

import argparse
import bisect
import resource
import time
from array import array
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import ric

from accounts.models import Role, UserProfile
from certification.models import Assessment, Certificate, EmploymentRecord, EvaluationBody, EvaluationPlan
from common.numbers import rate_text, share_text
from courses.models import (
    AttendanceRecord,
    ClassStatus,
    ClassTransition,
    Enrolment,
    Occupation,
    Session,
    Textbook,
    TrainingClass,
    Voucher,
)
from courses.policy import FINISHED_STATUSES
from institutions.models import Inspection, InstitutionYear, TrainingInstitution
from programme.calendar import add_calendar_months
from programme.models import County as CountyRow
from programme.models import PolicyYear, TargetLine, Township, TownshipTarget
from subsidies.enterprise_size import classify_enterprise
from subsidies.models import ClaimLine, ClaimObjection, SmallEnterpriseSubsidy, SubsidyClaim
from subsidies.policy import split_instalments, training_subsidy
from tools import demo_data as demo
from tools.management.commands import _generate_data_tables as tables
from trainees.models import CategoryMembership, Trainee, TraineeCategory

YEAR = demo.YEAR
AS_OF = demo.DEMO_TODAY  # the day the generated year is seen from
AS_OF_ORD = AS_OF.toordinal()
PASSWORD = "Bench-2018-skills"
BATCH = 100_000
NULL = "\\N"  # COPY's text-format NULL
PLACEMENT_REWARD = demo.PLACEMENT_REWARD
HR_USERS = (  # username, surname, given name
    ("bench_hr", "郭", "志强"), ("bench_reviewer", "申", "丽萍"), ("bench_approver", "王", "卫东"),
    ("bench_finance", "李", "建华"),
)
HR, REVIEWER, APPROVER, FINANCE = 1, 2, 3, 4  # their user ids

STARTED = (ClassStatus.IN_PROGRESS, ClassStatus.COMPLETED, ClassStatus.CLOSED)
FINISHED = sorted(FINISHED_STATUSES)  # the statuses courses.policy declares finished
# R23: what HR wrote when it verified a job at an employer without a credit code.
UNCODED_NOTE = "用人单位为个体工商户,无统一社会信用代码:已走访核实在岗,并核对工资发放记录"
ROSTERED = (ClassStatus.APPROVED, *STARTED)
FUTURE_STATUSES = ((ClassStatus.APPROVED, 40), (ClassStatus.SUBMITTED, 30), (ClassStatus.DRAFT, 12),
                   (ClassStatus.RETURNED, 18))
CLOSED_BY = date(2018, 8, 10)  # only classes ended by then can have had both instalments paid
EDUCATION = ("primary", "junior", "senior", "vocational", "college", "bachelor")
CATEGORIES = tuple(TraineeCategory.values)
CAT = {value: index for index, value in enumerate(CATEGORIES)}
URBAN = frozenset(CAT[c] for c in ("urban_unemployed", "school_leaver", "college_graduate"))
SOURCES = ("township", "voucher", "employer", "self")
RESULTS = (None, "passed", "failed", "absent")
NO_RATE = 65535
RESERVED_SHARE = 0.15  # registered trainees kept off rosters (waiting, some hold a voucher)
VOUCHER_PILOT_FROM = demo.VOUCHER_PILOT_FROM
EVIDENCE = (("contract", 5), ("social_insurance", 3), ("employer_letter", 2))
CERT_KIND_LABELS = {"qualification": "国家职业资格证书", "special_ability": "专项职业能力证书",
                    "skill_level": "职业技能等级证书", "training": "培训合格证书"}
LEVEL_LABELS = {"5": "初级工", "4": "中级工"}
KIND_OCCUPATIONS = {  # which trades each kind of institution teaches (三(四))
    "higher_vocational": ("焊工", "电工", "车工", "钳工", "汽车维修工", "电子商务师", "计算机操作员"),
    "secondary_specialised": ("养老护理员", "育婴员", "病患陪护", "保健按摩师"),
    "vocational_high": ("焊工", "电工", "电子商务师", "车工", "计算机操作员", "中式烹调师", "汽车维修工"),
    "technical": ("电工", "焊工", "钳工", "车工", "设施蔬菜种植", "农机修理工", "汽车维修工"),
    "public_institution": ("叉车司机", "养老护理员", "中式烹调师", "家政服务员", "保安员", "设施蔬菜种植",
                           "食用菌生产", "果树种植", "中药材种植", "乡村旅游服务"),
    "private_school": ("养老护理员", "育婴员", "家政服务员", "中式烹调师", "中式面点师", "美发师", "美容师",
                       "电子商务师", "网店运营", "手工编织", "病患陪护"),
    "employer": ("焊工", "电工", "叉车司机", "仓储管理员", "车工", "钳工", "快递员", "砌筑工"),
    "hr_service": ("仓储管理员", "电子商务师", "家政服务员", "保安员", "快递员", "网店运营", "育婴员"),
}
COUNTY_KINDS = (  # the kinds of a county's generated institutions, in the order they are made
    "vocational_high", "public_institution", "private_school", "employer", "private_school", "hr_service",
    "technical", "employer", "private_school", "hr_service", "private_school", "employer", "private_school",
    "employer", "hr_service", "private_school",
)


@dataclass(frozen=True)
class Scale:
    counties: int
    institutions: int
    evaluation_bodies: int
    trainees: int
    classes: int


SCALES = {
    "province": Scale(counties=117, institutions=1200, evaluation_bodies=100, trainees=1_000_000, classes=25_000),
    "county": Scale(counties=1, institutions=15, evaluation_bodies=3, trainees=6_000, classes=150),
}


# ---------------------------------------------------------------------------------------------
# Plain records of the plan.


@dataclass(slots=True, eq=False)
class County:
    idx: int
    city: str
    name: str
    code: str
    trainees: int = 0
    classes: int = 0
    institution_quota: int = 0
    trainee_start: int = 0  # first trainee id
    townships: list = field(default_factory=list)
    institutions: list = field(default_factory=list)
    employers: list = field(default_factory=list)  # (name, credit code or "")
    target: int = 0
    payments: int = 0


@dataclass(slots=True, eq=False)
class Town:
    id: int
    county: County
    name: str
    plain: str
    code: str
    kind: str
    weight: float
    target: int
    villages: tuple
    official: int = 0


@dataclass(slots=True, eq=False)
class Inst:
    id: int
    county: County
    name: str
    kind: str
    credit: str
    person: str
    title: str
    phone: str
    address: str
    township: int | None
    building: str
    occupations: list = field(default_factory=list)
    listed: bool = True
    disqualified_reason: str = ""
    clerk: int = 0

    @property
    def mode(self):
        return demo.TRAINING_MODE_BY_KIND.get(self.kind, "demand_reserve")


@dataclass(slots=True, eq=False)
class Occ:
    id: int
    row: object  # demo.OccupationRow

    @property
    def name(self):
        return self.row.name


@dataclass(slots=True, eq=False)
class Body:
    id: int
    city: str
    name: str
    kind: str
    credit: str
    contact: str
    phone: str
    title: str
    published_on: date | None
    occupations: set
    user: int = 0


@dataclass(slots=True, eq=False)
class Klass:
    id: int
    county: County
    inst: Inst
    occ: Occ
    line: int
    status: str
    days: list  # planned training days (dates)
    per_day: int
    halves: tuple  # hours of each daily slot, in half hours
    practical_target: int  # percent
    capacity: int
    level: str
    teachers: tuple
    created_on: date
    submitted_on: date | None = None
    decided_on: date | None = None
    cancelled_on: date | None = None
    closed_on: date | None = None
    decision_note: str = ""
    cancel_reason: str = ""
    body: Body | None = None
    code: str = ""
    name: str = ""
    poor_share: float = 0.1
    cert_on: date | None = None
    claim1: dict | None = None
    claim2: dict | None = None
    enrol_start: int = 0
    enrol_count: int = 0
    session_start: int = 0
    rate: int = -1
    inspection: int = 0
    chain: int = 0

    @property
    def start(self):
        return self.days[0]

    @property
    def end(self):
        return self.days[-1]

    def sessions(self):
        """(day, slot, half hours, practical) of every planned session: theory first, practical
        from the end back until the class reaches its practical share (R4)."""
        slots = [(day, slot, self.halves[slot]) for day in self.days for slot in range(self.per_day)]
        total = sum(h for _, _, h in slots)
        practical = [False] * len(slots)
        acc, index = 0, len(slots) - 1
        while acc * 100 < self.practical_target * total:
            practical[index] = True
            acc += slots[index][2]
            index -= 1
        return [(*s, p) for s, p in zip(slots, practical, strict=True)], total // 2, acc // 2


@dataclass(slots=True, eq=False)
class ClaimPlan:
    id: int
    klass: Klass
    instalment: str
    status: str
    steps: dict
    lines: list  # enrolment indexes
    void: dict  # enrolment index -> reason
    total_fen: int
    return_reason: str = ""
    objection: tuple | None = None  # (enrolment index, content, upheld, note, received, decided)


# ---------------------------------------------------------------------------------------------
# Writing.


class Writer:
    """Rows of one table, in batches: COPY on PostgreSQL, executemany on SQLite. `columns` are
    attnames and must name every concrete field of the model."""

    def __init__(self, generator, model, columns, label=None):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing, unknown = set(fields) - set(columns), set(columns) - set(fields)
        if missing or unknown:
            raise AssertionError(f"{model.__name__}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        self.generator = generator
        self.label = label or str(model._meta.verbose_name)
        self.table = model._meta.db_table
        self.columns = [fields[name].column for name in columns]
        self.rows, self.lines, self.count = [], [], 0

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def add(self, row):
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def add_line(self, line):
        """A row already in COPY's text format (PostgreSQL only; the hottest table)."""
        self.lines.append(line)
        if len(self.lines) >= BATCH:
            self.flush()

    def flush(self):
        if not (self.rows or self.lines):
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.generator.pg:
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
                    if self.lines:
                        copy.write("".join(self.lines))
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({placeholders})", self.rows)
        self.count += len(self.rows) + len(self.lines)
        self.rows, self.lines = [], []

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.flush()
            self.generator.report(self.label, self.table, self.count, time.perf_counter() - self.started)


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def money(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def share(value: int) -> str:
    """A rate in ten-thousandths as the 5,4 decimal the database keeps."""
    return f"{value // 10000}.{value % 10000:04d}"


def halves_text(value: int) -> str:
    return f"{value // 2}.{5 if value % 2 else 0}"


def wd(day, count):
    return demo.add_working_days(day, count)


def next_working_day(day):
    while not demo.is_working_day(day):
        day += timedelta(days=1)
    return day


def pick(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def person_name(rng, female):
    pool = demo.GIVEN_FEMALE if female else demo.GIVEN_MALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.72 else "")
    return pick(rng, demo.SURNAMES) + given


def mobile(rng):
    return rng.choice(demo.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 characters (no I O S V Z)


def code_body(head, number, width=5):
    chars = []
    for _ in range(width):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[digit])
    return head + "".join(reversed(chars))


# ---------------------------------------------------------------------------------------------
# The generator.


class Generator:
    def __init__(self, command, scale, seed, fraction):
        self.command = command
        self.scale_name = scale
        s = SCALES[scale]
        self.scale = Scale(
            counties=s.counties,
            institutions=max(s.counties * 2, round(s.institutions * fraction)),
            evaluation_bodies=max(2, round(s.evaluation_bodies * fraction)),
            trainees=max(s.counties * 200, round(s.trainees * fraction)),
            classes=max(s.counties * 6, round(s.classes * fraction)),
        )
        self.seed = seed
        self.pg = connection.vendor == "postgresql"
        self.qualified = s.counties > 1  # township names carry the county's name
        self.timings = []
        self._stamps, self._isos = {}, {}
        self.credit_serial = 0
        self.chain_serial = 0

    # -- helpers -------------------------------------------------------------------------------

    def rng(self, *parts):
        return Random(":".join(str(p) for p in (self.seed, *parts)))

    def report(self, label, table, rows, seconds):
        self.timings.append((label, table, rows, seconds))
        self.command.stdout.write(f"  {label:<12}{table:<36}{rows:>12,} 行 {seconds:8.1f} 秒")
        self.command.stdout.flush()

    def at(self, day, hour=9, minute=0):
        """A timestamp as the database takes it: local time with its offset on PostgreSQL, UTC
        text on SQLite (what Django stores there)."""
        key = (day, hour, minute)
        text = self._stamps.get(key)
        if text is None:
            if self.pg:
                text = f"{day.isoformat()} {hour:02d}:{minute:02d}:00+08:00"
            else:
                moment = datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)
                text = moment.strftime("%Y-%m-%d %H:%M:%S")
            self._stamps[key] = text
        return text

    def iso(self, ordinal):
        text = self._isos.get(ordinal)
        if text is None:
            text = self._isos[ordinal] = date.fromordinal(ordinal).isoformat()
        return text

    def credit(self, prefix, head):
        self.credit_serial += 1
        # 机构编制 (prefix 1…) registers all-digit organisation codes.
        body = f"{40800000 + self.credit_serial}" if prefix[0] == "1" else code_body(head, self.credit_serial)
        return demo.credit_code(prefix, body)

    # -- the whole run -------------------------------------------------------------------------

    def run(self):
        started = time.perf_counter()
        self.plan_reference()
        self.plan_people()
        self.plan_classes()
        self.plan_rosters()
        self.plan_registration()
        self.command.stdout.write(f"  规划完成(内存中){time.perf_counter() - started:.1f} 秒,开始写入:")
        self.write_reference()
        self.write_trainees()
        self.write_categories()
        self.write_sessions()
        self.write_attendance()
        self.write_enrolments()
        self.write_classes()
        self.write_transitions()
        self.write_textbooks()
        self.write_assessments()
        self.write_certificates()
        self.write_employment()
        self.write_vouchers()
        self.write_inspections()
        self.plan_claims()
        self.write_claims()
        self.write_claim_lines()
        self.write_objections()
        self.write_small_enterprise_subsidies()

    # -- reference data ------------------------------------------------------------------------

    def plan_reference(self):
        rng = self.rng("reference")
        s = self.scale
        rows = tables.COUNTIES[: s.counties]
        self.counties = [County(i, city, tables.county_display_name(city, name), code)
                         for i, (city, name, code) in enumerate(rows)]
        # Sizes: trainees by a county weight, classes and institutions in proportion.
        weights = [1.0] + [rng.uniform(0.55, 1.45) for _ in self.counties[1:]]
        total = sum(weights)
        for county, weight in zip(self.counties, weights, strict=True):
            county.trainees = round(s.trainees * weight / total)
        self.counties[-1].trainees += s.trainees - sum(c.trainees for c in self.counties)
        for county in self.counties:
            county.classes = round(s.classes * county.trainees / s.trainees)
            county.target = round(5825 * county.trainees / (s.trainees / s.counties))
        self.counties[-1].classes += s.classes - sum(c.classes for c in self.counties)
        start = 1
        for county in self.counties:
            county.trainee_start, start = start, start + county.trainees

        self.plan_townships(rng)
        self.plan_occupations()
        self.plan_institutions(rng)
        self.plan_evaluation_bodies(rng)
        self.plan_employers(rng)

    def plan_townships(self, rng):
        """Each county's towns (镇), townships (乡) and, in some, a development zone (区), with
        their yearly targets (五(二)); 长治县 keeps the demo county's eleven."""
        self.townships = []
        for county in self.counties:
            if county.code == demo.REGION:
                rows = [(t.name, t.kind, t.code, t.target, t.villages) for t in demo.TOWNSHIPS]
            else:
                stems, rows = set(), []
                count = rng.randint(10, 14)
                towns = round(count * 0.55)
                while len(rows) < count:
                    stem = rng.choice(tables.TOWNSHIP_FIRST) + rng.choice(tables.TOWNSHIP_SECOND)
                    if stem in stems:
                        continue
                    stems.add(stem)
                    kind = "town" if len(rows) < towns else "township"
                    serial = 100 + len(rows) if kind == "town" else 200 + len(rows) - towns
                    name = stem + ("镇" if kind == "town" else "乡")
                    if kind == "township" and len(rows) == count - 1 and rng.random() < 0.3:
                        kind, serial, name = "zone", 400, f"{stem}经济技术开发区"
                    villages = tuple(
                        (stem if i % 2 == 0 else rng.choice(tables.TOWNSHIP_FIRST) + stem[1])
                        + tables.VILLAGE_SUFFIXES[i % len(tables.VILLAGE_SUFFIXES)] for i in range(4)
                    )
                    rows.append((name, kind, f"{county.code}{serial:03d}000", rng.uniform(8, 60), villages))
            weight_total = sum(r[3] for r in rows)
            for name, kind, code, weight, villages in rows:
                full = f"{county.name}{name}" if self.qualified else name
                town = Town(len(self.townships) + 1, county, full, name, code, kind, weight,
                            round(county.target * weight / weight_total), villages)
                county.townships.append(town)
                self.townships.append(town)

    def plan_occupations(self):
        rows = list(demo.OCCUPATIONS)
        if self.scale_name == "province":
            rows += tables.EXTRA_OCCUPATIONS
        self.occupations = [Occ(i + 1, row) for i, row in enumerate(rows)]
        self.occupation_by_name = {o.name: o for o in self.occupations}

    def plan_institutions(self, rng):
        s = self.scale
        self.institutions = []

        def add(county, name, kind, credit, person, title, phone, address, township, building):
            inst = Inst(len(self.institutions) + 1, county, name, kind, credit, person, title, phone, address,
                        township, building)
            names = [n for n in KIND_OCCUPATIONS[kind] if n in self.occupation_by_name]
            count = min(len(names), rng.randint(3, 6))
            inst.occupations = [self.occupation_by_name[n] for n in rng.sample(names, count)]
            county.institutions.append(inst)
            self.institutions.append(inst)
            return inst

        # One 职业技术学院 and one 卫生学校 per city at province scale, in the city's first district.
        cities = {}
        for county in self.counties:
            cities.setdefault(county.city, []).append(county)
        city_level = 0
        if self.scale_name == "province" and s.institutions >= 4 * len(cities):
            for city, members in cities.items():
                home = next((c for c in members if c.name.endswith("区")), members[0])
                short = city.removesuffix("市")
                town = home.townships[0]
                for name, kind in ((f"{short}职业技术学院", "higher_vocational"), (f"{city}卫生学校", "secondary_specialised")):
                    add(home, name, kind, self.credit(f"12{home.code}", ""), person_name(rng, rng.random() < 0.3),
                        "president" if kind == "higher_vocational" else "principal", f"0355-{rng.randint(2000000, 8999999)}",
                        f"{home.name}{town.plain}{rng.choice(tables.BRANDS)}路{rng.randint(1, 199)}号", town.id,
                        f"{name}{rng.choice(tables.SCHOOL_BUILDINGS)}")
                    city_level += 1
        remaining = s.institutions - city_level
        total = sum(c.trainees for c in self.counties)
        for county in self.counties:
            county.institution_quota = max(2, round(remaining * county.trainees / total))
        self.counties[-1].institution_quota = max(2, remaining - sum(c.institution_quota for c in self.counties[:-1]))

        for county in self.counties:
            made = 0
            if county.code == demo.REGION:
                towns = {t.plain: t.id for t in county.townships}
                for row in demo.INSTITUTIONS:
                    add(county, row.name, row.kind, row.credit_code, row.responsible_person, row.responsible_title,
                        row.phone, row.address, towns[row.township], row.building)
                    made += 1
            brands = rng.sample(tables.BRANDS, len(tables.BRANDS))
            existing = {i.name for i in county.institutions}
            kinds = list(COUNTY_KINDS)
            while made < county.institution_quota:
                kind = kinds[made] if made < len(kinds) else rng.choice(
                    ("private_school", "private_school", "employer", "hr_service"))
                brand = brands[made % len(brands)]
                name = self._institution_name(rng, county.name, kind, brand)
                if name in existing:
                    kind = "private_school"
                    name = self._institution_name(rng, county.name, kind, brand)
                if name in existing:
                    name = f"{county.name}{brand}{made}职业培训学校"
                existing.add(name)
                prefix, head = {"private_school": ("52", "MJ1"), "employer": ("91", "MA1"),
                                "hr_service": ("91", "MA1")}.get(kind, ("12", ""))
                title = "principal" if kind in ("vocational_high", "technical", "private_school") else "legal_representative"
                town = rng.choice(county.townships)
                add(county, name, kind, self.credit(f"{prefix}{county.code}", head),
                    person_name(rng, rng.random() < 0.3), title, f"0355-{rng.randint(2000000, 8999999)}",
                    f"{county.name}{town.plain}{rng.choice(tables.BRANDS)}街{rng.randint(1, 199)}号", town.id,
                    f"{name}{rng.choice(tables.SCHOOL_BUILDINGS)}")
                made += 1
        # A few institutions lost eligibility (三(七)) or were not chosen this year (三(二)).
        for inst in self.institutions[6:]:
            draw = rng.random()
            if draw < 0.012:
                inst.disqualified_reason = "2017年度培训合格率未达到80%,取消2018年度承担补贴性培训任务资格(《实施方案》三(七))。"
            elif draw < 0.02:
                inst.listed = False

    @staticmethod
    def _institution_name(rng, county, kind, brand):
        if kind == "vocational_high":
            return f"{county}职业技术学校"
        if kind == "technical":
            return f"{county}技工学校"
        if kind == "public_institution":
            return f"{county}就业训练中心"
        if kind == "private_school":
            return f"{county}{brand}职业培训学校"
        if kind == "employer":
            return f"{county}{brand}{rng.choice(tables.EMPLOYER_SUFFIXES['equipment'] + tables.EMPLOYER_SUFFIXES['logistics'])}"
        return f"{county}{brand}人力资源服务有限公司"

    def plan_evaluation_bodies(self, rng):
        """Evaluation bodies of each city with their published plans (三(六)); the city's first body
        covers every skill-level occupation, so each class has somebody to certify it."""
        skill = [o for o in self.occupations if o.row.certificate_kind == "skill_level"]
        self.bodies = []
        cities = []
        for county in self.counties:
            if county.city not in cities:
                cities.append(county.city)
        region_of = {}
        for county in self.counties:
            region_of.setdefault(county.city, county.code[:4] + "00")
        if self.scale_name == "county":
            luan = demo.INSTITUTION_BY_NAME[demo.LUAN]
            rows = [
                (demo.EVALUATOR, "talent_evaluation", demo.EVALUATION_BODIES[0].credit_code, "杨帆", "0355-2026688",
                 demo.EVALUATION_BODIES[0].plan_title, date(2018, 5, 30), {o.id for o in skill}),
                (demo.LUAN, "enterprise", luan.credit_code, "牛建军", "0355-6655120", demo.EVALUATION_BODIES[1].plan_title,
                 None, {self.occupation_by_name[n].id for n in ("焊工", "仓储管理员")}),
            ]
            for _ in range(self.scale.evaluation_bodies - len(rows)):
                brand = rng.choice(tables.BRANDS)
                name = f"长治市{brand}职业技能鉴定服务有限公司"
                rows.append((name, "talent_evaluation", self.credit("91140400", "MA1"), person_name(rng, False),
                             f"0355-{rng.randint(2000000, 8999999)}", f"{name}{YEAR}年职业技能等级评价实施方案",
                             date(2018, 4, 20), {o.id for o in rng.sample(skill, max(1, len(skill) // 2))}))
            for row in rows:
                self.bodies.append(Body(len(self.bodies) + 1, "长治市", *row))
            return
        per_city = max(1, self.scale.evaluation_bodies // len(cities))
        extra = self.scale.evaluation_bodies - per_city * len(cities)
        for index, city in enumerate(cities):
            count = per_city + (1 if index < extra else 0)
            brands = rng.sample(tables.BRANDS, len(tables.BRANDS))
            for n in range(count):
                brand = brands[n]
                kind = "talent_evaluation" if n == 0 else pick(
                    rng, (("talent_evaluation", 6), ("enterprise", 3), ("social_organisation", 2)))
                if kind == "talent_evaluation":
                    name, prefix = f"{city}{brand}人才评价服务有限公司", "91"
                elif kind == "enterprise":
                    name, prefix = f"{city}{brand}集团有限公司", "91"
                else:
                    name, prefix = f"{city}{brand}职业技能培训协会", "51"
                covered = {o.id for o in skill} if n == 0 else {
                    o.id for o in rng.sample(skill, rng.randint(1, len(skill)))}
                published = date(2018, rng.randint(3, 5), rng.randint(1, 28))
                if n > 0 and rng.random() < 0.08:
                    published = None  # HR has not yet published it: it may not issue (R12)
                self.bodies.append(Body(
                    len(self.bodies) + 1, city, name, kind, self.credit(f"{prefix}{region_of[city]}", "MA1"),
                    person_name(rng, rng.random() < 0.4), f"0355-{rng.randint(2000000, 8999999)}",
                    f"{name}{YEAR}年职业技能等级评价实施方案", published, covered,
                ))

    def plan_employers(self, rng):
        for county in self.counties:
            brands = rng.sample(tables.BRANDS, len(tables.BRANDS))
            for index, (industry, suffixes) in enumerate(tables.EMPLOYER_SUFFIXES.items()):
                for n in range(3):
                    name = f"{county.name}{brands[(index * 3 + n) % len(brands)]}{suffixes[n % len(suffixes)]}"
                    has_code = rng.random() < 0.75
                    code = self.credit(f"91{county.code}", "MA1") if has_code else ""
                    county.employers.append((industry, name, code))

    # -- people --------------------------------------------------------------------------------

    def plan_people(self):
        """Per trainee, kept in compact arrays: township, sex, birth date, education, categories."""
        n = self.scale.trainees
        self.t_township = array("I", bytes(4 * n))
        self.t_female = array("B", bytes(n))
        self.t_birth = array("I", bytes(4 * n))
        self.t_edu = array("B", bytes(n))
        self.t_cat1 = array("B", bytes(n))
        self.t_cat2 = array("B", [255]) * n
        low, high = date(1958, 1, 1).toordinal(), date(2000, 12, 31).toordinal()
        span, mode = high - low, date(1979, 1, 1).toordinal() - low
        for county in self.counties:
            rng = self.rng("people", county.idx)
            towns = [t.id for t in county.townships]
            cumulative, acc = [], 0.0
            for town in county.townships:
                acc += town.weight
                cumulative.append(acc)
            for index in range(county.trainee_start - 1, county.trainee_start - 1 + county.trainees):
                self.t_township[index] = rng.choices(towns, cum_weights=cumulative)[0]
                female = rng.random() < 0.42
                self.t_female[index] = female
                birth = low + int(rng.triangular(0, span, mode))
                self.t_birth[index] = birth
                age = YEAR - date.fromordinal(birth).year
                education = self._education(rng, age)
                self.t_edu[index] = education
                first, second = self._categories(rng, age, education)
                self.t_cat1[index] = first
                if second is not None:
                    self.t_cat2[index] = second

    @staticmethod
    def _education(rng, age):
        if age <= 19:
            table = ((1, 5), (2, 4), (3, 1))
        elif age <= 32:
            table = ((1, 3), (2, 2), (3, 3), (4, 2), (5, 1))
        elif age <= 47:
            table = ((0, 1), (1, 6), (2, 2), (3, 2), (4, 1))
        else:
            table = ((0, 4), (1, 5), (2, 1))
        return pick(rng, table)

    @staticmethod
    def _categories(rng, age, education):
        if age <= 19:
            first = pick(rng, (("school_leaver", 7), ("rural_labour", 3)))
        elif age <= 26 and education >= 4:
            first = "college_graduate"
        else:
            first = pick(rng, (("rural_labour", 44), ("migrant_worker", 24), ("urban_unemployed", 28), ("veteran", 4)))
        second = None
        if rng.random() < 0.3:
            other = pick(rng, (("poor_family", 4), ("migrant_worker", 3), ("rural_labour", 3), ("veteran", 1)))
            if other != first and not (other == "veteran" and age < 22):
                second = CAT[other]
        return CAT[first], second

    # -- classes -------------------------------------------------------------------------------

    def plan_classes(self):
        """Per county, chains of classes of one institution and occupation, one after another
        (R2: one class of an occupation at a time); a class's dates decide its status as seen on
        AS_OF, and only the tail of a chain lies beyond it."""
        self.lines = {name: index + 1 for index, (name, _, _) in enumerate(demo.TARGET_LINES)}
        self.classes = []
        for county in self.counties:
            rng = self.rng("classes", county.idx)
            eligible = [i for i in county.institutions if i.listed and not i.disqualified_reason]
            made, chains = [], []
            for round_ in range(10):
                for inst in eligible:
                    if round_ < len(inst.occupations):
                        chains.append((inst, inst.occupations[round_]))
            chain_index = 0
            while len(made) < county.classes and chain_index < len(chains):
                inst, occ = chains[chain_index]
                chain_index += 1
                made.extend(self._chain(rng, county, inst, occ, county.classes - len(made)))
            self._ensure_every_status(rng, made)
            made.sort(key=lambda k: (k.start, k.inst.id, k.occ.id))
            per_inst = {}
            for k in made:
                k.id = len(self.classes) + 1
                per_inst[k.inst.id] = per_inst.get(k.inst.id, 0) + 1
                k.code = f"{YEAR}-J{k.inst.id:02d}-{per_inst[k.inst.id]:02d}"
                self.classes.append(k)
            same = {}
            for k in made:
                key = (k.inst.id, k.occ.id)
                same[key] = same.get(key, 0) + 1
                k.name = f"{YEAR}年第{same[key]}期{k.occ.name}培训班"

    def _chain(self, rng, county, inst, occ, room):
        made = []
        self.chain_serial += 1
        cursor = date(2018, 3, 1) + timedelta(days=rng.randint(0, 150))
        running = False  # an approved or ongoing class of this chain (R2)
        while len(made) < room:
            start = next_working_day(cursor)
            if rng.random() < 0.6:
                per_day = 1
                halves = (pick(rng, ((16, 55), (14, 30), (12, 15))),)
                n_days = pick(rng, ((8, 1), (9, 1), (10, 4), (11, 2), (12, 3), (13, 1), (14, 1), (15, 1)))
            else:
                per_day = 2
                halves = pick(rng, (((8, 8), 60), ((8, 6), 25), ((6, 6), 15)))
                n_days = pick(rng, ((5, 1), (6, 3), (7, 2), (8, 1)))
            days = demo.working_days(start, n_days)
            end = days[-1]
            if start > AS_OF:
                status = pick(rng, FUTURE_STATUSES[1:] if running else FUTURE_STATUSES)
            elif end >= AS_OF:
                status = ClassStatus.CANCELLED if rng.random() < 0.02 else ClassStatus.IN_PROGRESS
            else:
                draw = rng.random()
                status = (ClassStatus.REJECTED if draw < 0.02 else ClassStatus.CANCELLED if draw < 0.05
                          else ClassStatus.COMPLETED)
            k = self._class(rng, county, inst, occ, days, per_day, halves)
            k.chain = self.chain_serial
            self._set_status(rng, k, status)
            running = running or status in (ClassStatus.APPROVED, ClassStatus.IN_PROGRESS)
            made.append(k)
            if start > AS_OF and (len(made) > 1 and made[-2].start > AS_OF or rng.random() < 0.6):
                break
            cursor = end + timedelta(days=rng.randint(4, 25))
            if cursor > date(2018, 12, 24):
                break
        return made

    def _ensure_every_status(self, rng, made):
        """Every status appears in each county: a missing application status is given to a future
        class whose status is common (an approved class only where its chain runs no other), a
        missing refusal or cancellation to a class of the past."""
        future = [k for k in made if k.start > AS_OF]
        for status, _ in FUTURE_STATUSES:
            if any(k.status == status for k in made):
                continue
            counts = {}
            for k in future:
                counts[k.status] = counts.get(k.status, 0) + 1
            candidates = [k for k in future if counts[k.status] > 1]
            if status == ClassStatus.APPROVED:
                busy = {k.chain for k in made if k.status in (ClassStatus.APPROVED, ClassStatus.IN_PROGRESS)}
                candidates = [k for k in candidates if k.chain not in busy]
            if candidates:
                self._set_status(rng, rng.choice(candidates), status)
        for status in (ClassStatus.REJECTED, ClassStatus.CANCELLED):
            completed = [k for k in made if k.status == ClassStatus.COMPLETED]
            if completed and not any(k.status == status for k in made):
                self._set_status(rng, rng.choice(completed), status)

    def _class(self, rng, county, inst, occ, days, per_day, halves):
        row = occ.row
        if row.name in tables.CARER_OCCUPATIONS and rng.random() < 0.6:
            line = demo.LINE_CARER
        else:
            line = demo.LINE_UNEMPLOYED if rng.random() < 0.2 else demo.LINE_MIGRANT
        theory_title, practical_title = demo.TEACHER_TITLES[row.certificate_kind]
        if "技师" in practical_title:
            practical_title = row.name + practical_title
        teachers = ((person_name(rng, rng.random() < 0.4), theory_title, "理论教学"),
                    (person_name(rng, rng.random() < 0.3), practical_title, "实操指导"))
        level = ""
        if row.certificate_kind == "skill_level":
            level = "4" if rng.random() < 0.2 else "5"
        k = Klass(0, county, inst, occ, self.lines[line], "", days, per_day, halves,
                  66 if rng.random() < 0.15 else 70, pick(rng, ((30, 1), (35, 1), (40, 2), (45, 2), (50, 3))),
                  level, teachers, created_on=days[0])
        # Most classes have a few trainees who miss a lot; some have many (R3, supervision).
        k.poor_share = rng.uniform(0.03, 0.15) if rng.random() < 0.9 else rng.uniform(0.2, 0.35)
        if row.certificate_kind == "skill_level":
            bodies = [b for b in self.bodies if b.city == county.city and b.published_on and occ.id in b.occupations]
            k.body = rng.choice(bodies) if bodies else None
        return k

    def _set_status(self, rng, k, status):
        """The status and the workflow dates that go with it (SPEC.md §3), none after AS_OF."""
        start = k.start
        k.status = status
        k.submitted_on = k.decided_on = k.cancelled_on = k.closed_on = k.cert_on = None
        k.claim1 = k.claim2 = None
        k.decision_note = k.cancel_reason = ""
        submitted = wd(start, -rng.randint(8, 15))
        decided = wd(submitted, rng.randint(2, 5))
        created = wd(submitted, -rng.randint(1, 5))
        if status == ClassStatus.DRAFT:
            k.created_on = min(created, wd(AS_OF, -rng.randint(1, 8)))
            return
        if submitted >= AS_OF:
            submitted = wd(AS_OF, -rng.randint(1, 3))
            created = min(created, wd(submitted, -1))
        decided = max(submitted, min(decided, AS_OF))
        k.created_on, k.submitted_on = created, submitted
        if status == ClassStatus.SUBMITTED:
            return
        k.decided_on = decided
        if status == ClassStatus.RETURNED:
            k.decision_note = rng.choice(tables.RETURN_REASONS)
            return
        if status == ClassStatus.REJECTED:
            k.decision_note = rng.choice(tables.REJECT_REASONS)
            return
        k.decision_note = demo.APPROVED_NOTE
        if status == ClassStatus.CANCELLED:
            k.cancelled_on = max(decided, min(wd(start, -rng.randint(1, 2)), AS_OF))
            k.cancel_reason = rng.choice(tables.CANCEL_REASONS)
            return
        if status == ClassStatus.COMPLETED:
            end = k.end
            k.cert_on = wd(end, rng.randint(7, 12))
            k.claim1 = self._claim_steps(rng, wd(k.cert_on, rng.randint(1, 25)))
            if end <= CLOSED_BY and rng.random() < 0.3:
                window_end = add_calendar_months(end, demo.PLAN.employment_window_months)
                second = self._claim_steps(rng, wd(window_end, rng.randint(2, 8)))
                closed_on = wd(second["paid"], 1)
                if closed_on <= AS_OF and k.claim1["paid"] < second["created"]:
                    k.status, k.claim2, k.closed_on = ClassStatus.CLOSED, second, closed_on

    @staticmethod
    def _claim_steps(rng, created):
        """The working days on which a claim would pass each step (R19: five working days of notice)."""
        submitted = wd(created, rng.randint(0, 5))
        reviewed = wd(submitted, rng.randint(2, 12))
        approved = wd(reviewed, rng.randint(1, 8))
        starts = wd(approved, rng.randint(1, 5))
        ends = wd(starts, 4)
        return {"created": created, "submitted": submitted, "reviewed": reviewed, "approved": approved,
                "publicity_starts": starts, "publicity_ends": ends, "paid": wd(ends, rng.randint(3, 15))}

    # -- rosters -------------------------------------------------------------------------------

    def plan_rosters(self):
        """Who sits in each class: trainees of the institution's county, the class's target line's
        categories and the occupation's usual sex first; a trainee is in one class at a time, at
        most three a year and never twice in one occupation (R16)."""
        n = self.scale.trainees
        self.t_last_end = array("I", bytes(4 * n))
        self.t_last_occ = array("H", bytes(2 * n))
        self.t_prev_occ = array("H", bytes(2 * n))
        self.t_count = array("B", bytes(n))
        self.t_first_use = array("I", bytes(4 * n))
        self.e_trainee, self.e_source, self.e_category = array("I"), array("B"), array("B")
        self.e_enrolled, self.e_withdrawn, self.e_reason = array("I"), array("I"), array("B")
        self.redeemed = []  # (enrolment index, issued_on ordinal)
        by_county = {}
        for k in self.classes:
            by_county.setdefault(k.county.idx, []).append(k)
        for county in self.counties:
            rng = self.rng("rosters", county.idx)
            ids = list(range(county.trainee_start, county.trainee_start + county.trainees))
            rng.shuffle(ids)
            active = ids[int(len(ids) * RESERVED_SHARE):]
            fresh = {(g, f): deque() for g in (0, 1) for f in (0, 1)}
            for t in active:
                index = t - 1
                urban = self.t_cat1[index] in URBAN or self.t_cat2[index] in URBAN
                fresh[(int(urban), self.t_female[index])].append(t)
            again = {key: deque() for key in fresh}
            for k in by_county.get(county.idx, []):
                if k.status in ROSTERED:
                    self._roster(rng, k, fresh, again)

    def _roster(self, rng, k, fresh, again):
        start_ord, end_ord = k.start.toordinal(), k.end.toordinal()
        started = k.status in STARTED
        size = k.capacity - rng.randint(0, 4) if started else round(k.capacity * rng.uniform(0.45, 0.95))
        line_categories = demo.LINE_CATEGORIES[[n for n, i in self.lines.items() if i == k.line][0]]
        fitting = {CAT[c] for c in line_categories}
        groups = (1, 0) if k.line == self.lines[demo.LINE_UNEMPLOYED] else (0, 1)
        female_share = k.occ.row.female_share
        lo = (k.decided_on + timedelta(days=1)).toordinal()
        hi = (start_ord if started else min(start_ord - 1, AS_OF_ORD))
        lo = min(lo, hi)
        employer = k.inst.kind == "employer"
        voucher_ok = k.start >= date(2018, 6, 25)
        held_days = [d for d in k.days[1:-1] if d <= AS_OF]
        k.enrol_start = len(self.e_trainee)
        taken = set()
        for _ in range(size):
            female = 1 if rng.random() < female_share else 0
            t = None
            for key in ((groups[0], female), (groups[0], 1 - female), (groups[1], female), (groups[1], 1 - female)):
                if fresh[key]:
                    t = fresh[key].popleft()
                    break
            if t is None:
                for key in ((groups[0], female), (groups[0], 1 - female), (groups[1], female), (groups[1], 1 - female)):
                    t = self._recycle(again[key], start_ord, k.occ.id, taken)
                    if t is not None:
                        break
            if t is None:
                break
            index = t - 1
            taken.add(t)
            self.t_last_end[index] = end_ord
            self.t_prev_occ[index] = self.t_last_occ[index]
            self.t_last_occ[index] = k.occ.id
            self.t_count[index] += 1
            urban = self.t_cat1[index] in URBAN or self.t_cat2[index] in URBAN
            if self.t_count[index] < 3:
                again[(int(urban), self.t_female[index])].append(t)
            enrolled = rng.randint(lo, hi)
            cat1, cat2 = self.t_cat1[index], self.t_cat2[index]
            category = cat2 if (fitting and cat1 not in fitting and cat2 in fitting) else cat1
            draw = rng.random()
            if employer and draw < 0.7:
                source = 2
            elif voucher_ok and draw < 0.03:
                source = 1
            elif draw < 0.09:
                source = 3
            else:
                source = 0
            first_use = enrolled
            if source == 1:
                issued = max(enrolled - rng.randint(3, 20), VOUCHER_PILOT_FROM.toordinal())
                self.redeemed.append((len(self.e_trainee), issued))
                first_use = issued
            if not self.t_first_use[index] or first_use < self.t_first_use[index]:
                self.t_first_use[index] = first_use
            withdrawn, reason = 0, 0
            if started and held_days and rng.random() < 0.025:
                day = rng.choice(held_days).toordinal()
                if day > enrolled:
                    withdrawn, reason = day, rng.randrange(len(tables.WITHDRAWAL_REASONS))
            self.e_trainee.append(t)
            self.e_source.append(source)
            self.e_category.append(category)
            self.e_enrolled.append(enrolled)
            self.e_withdrawn.append(withdrawn)
            self.e_reason.append(reason)
        k.enrol_count = len(self.e_trainee) - k.enrol_start

    def _recycle(self, queue, start_ord, occ_id, taken):
        for _ in range(min(len(queue), 40)):
            t = queue.popleft()
            index = t - 1
            if (self.t_last_end[index] < start_ord - 3 and occ_id != self.t_last_occ[index]
                    and occ_id != self.t_prev_occ[index] and t not in taken):
                return t
            queue.append(t)
        return None

    def plan_registration(self):
        """Registration day: before the person's first enrolment or voucher; people never on a
        roster registered any time up to AS_OF."""
        n = self.scale.trainees
        self.t_registered = array("I", bytes(4 * n))
        rng = self.rng("registration")
        earliest, late = date(2018, 1, 2).toordinal(), date(2018, 3, 1).toordinal()
        for index in range(n):
            first = self.t_first_use[index]
            if first:
                self.t_registered[index] = max(first - rng.randint(0, 20), earliest)
            else:
                self.t_registered[index] = rng.randint(late, AS_OF_ORD)
        E = len(self.e_trainee)
        self.e_rate = array("H", [NO_RATE]) * E
        self.e_result = array("B", bytes(E))
        self.e_cert = array("I", bytes(4 * E))
        self.e_emp = array("I", bytes(4 * E))
        self.e_emp_started = array("I", bytes(4 * E))
        self.e_emp_verified = array("I", bytes(4 * E))
        self.e_employer = array("H", bytes(2 * E))
        self.e_voucher = array("I", bytes(4 * E))

    # -- writing: reference --------------------------------------------------------------------

    def bulk(self, model, objects, label=None):
        started = time.perf_counter()
        model.objects.bulk_create(objects, batch_size=2000)
        self.report(label or str(model._meta.verbose_name), model._meta.db_table, len(objects),
                    time.perf_counter() - started)

    def write_reference(self):
        User = get_user_model()
        rng = self.rng("users")
        year = PolicyYear.objects.create(
            year=YEAR, placement_reward_amount=PLACEMENT_REWARD, is_voucher_pilot_on=True,
            annual_target=5000 * self.scale.counties,
        )
        self.p = year.params()
        self.bulk(CountyRow, [CountyRow(id=c.idx + 1, code=c.code, name=c.name, city_name=c.city)
                              for c in self.counties])
        # Each county's own lines of the year's task (二), in the same shares as the demo county's.
        shares = [(name, unit, target / 5825) for name, unit, target in demo.TARGET_LINES]
        self.bulk(TargetLine, [
            TargetLine(id=self.line_id(c, index + 1), county_id=c.idx + 1, policy_year=year, name=name,
                       responsible_unit=unit, target_count=round(c.target * part), sort_order=index + 1)
            for c in self.counties for index, (name, unit, part) in enumerate(shares)
        ])
        self.bulk(Township, [Township(id=t.id, name=t.name, code=t.code, kind=t.kind, county_id=t.county.idx + 1)
                             for t in self.townships])
        self.bulk(TownshipTarget, [TownshipTarget(id=t.id, township_id=t.id, policy_year=year, target_count=t.target)
                                   for t in self.townships])
        self.bulk(Occupation, [
            Occupation(id=o.id, policy_year=year, name=o.row.name, code=o.row.code, industry=o.row.industry,
                       is_key_trade=o.row.is_key_trade, certificate_kind=o.row.certificate_kind,
                       has_national_standard=o.row.has_national_standard,
                       has_enterprise_specification=o.row.has_enterprise_specification,
                       standard_reference=o.row.standard_reference)
            for o in self.occupations
        ])
        self.bulk(TrainingInstitution, [
            TrainingInstitution(id=i.id, name=i.name, kind=i.kind, credit_code=i.credit,
                                responsible_person=i.person, responsible_title=i.title, contact_phone=i.phone,
                                address=i.address, township_id=i.township)
            for i in self.institutions
        ])
        self.bulk(InstitutionYear, [
            InstitutionYear(id=i.id, institution_id=i.id, county_id=i.county.idx + 1, policy_year=year, is_listed=i.listed,
                            tender_reference=f"{i.county.city}人社局{YEAR}年全民技能提升工程培训机构公开招标(第一批)"
                            if i.listed else "",
                            is_disqualified=bool(i.disqualified_reason), disqualification_reason=i.disqualified_reason)
            for i in self.institutions
        ])
        self.bulk(EvaluationBody, [
            EvaluationBody(id=b.id, name=b.name, kind=b.kind, credit_code=b.credit, contact_person=b.contact,
                           contact_phone=b.phone)
            for b in self.bodies
        ])
        self.bulk(EvaluationPlan, [
            EvaluationPlan(id=b.id, evaluation_body_id=b.id, policy_year=year, title=b.title, published_on=b.published_on)
            for b in self.bodies
        ])
        through = EvaluationPlan.occupations.through
        self.bulk(through, [through(evaluationplan_id=b.id, occupation_id=o) for b in self.bodies
                            for o in sorted(b.occupations)], label="评价方案职业")

        # Users: HR officers, then one account per institution, township and evaluation body.
        password = make_password(PASSWORD)
        joined = timezone_aware(date(2018, 1, 2))
        users, profiles = [], []

        def user(username, female=None, **extra):
            female = rng.random() < 0.45 if female is None else female
            name = person_name(rng, female)
            users.append(User(id=len(users) + 1, username=username, password=password, last_name=name[0],
                              first_name=name[1:], date_joined=joined, **extra))
            return users[-1].id

        for username, surname, given in HR_USERS:
            users.append(User(id=len(users) + 1, username=username, password=password, last_name=surname,
                              first_name=given, is_staff=True, is_superuser=username == "bench_hr",
                              date_joined=joined))
            profiles.append(UserProfile(user_id=users[-1].id, role=Role.HR, county_id=1, phone=mobile(rng)))
        clerk_home = self.bench_institution()
        for inst in self.institutions:
            inst.clerk = user("bench_clerk" if inst is clerk_home else f"clerk{inst.id:04d}")
            profiles.append(UserProfile(user_id=inst.clerk, role=Role.INSTITUTION, institution_id=inst.id,
                                        phone=mobile(rng)))
        for town in self.townships:
            town.official = user("bench_town" if town.id == 1 else f"town{town.id:04d}")
            profiles.append(UserProfile(user_id=town.official, role=Role.TOWNSHIP, township_id=town.id,
                                        phone=mobile(rng)))
        for body in self.bodies:
            body.user = user("bench_eval" if body.id == 1 else f"eval{body.id:03d}")
            profiles.append(UserProfile(user_id=body.user, role=Role.EVALUATOR, evaluation_body_id=body.id,
                                        phone=mobile(rng)))
        # Each county's HR officer, each city's supervisor and the province's (SPEC.md §1), after the
        # rest so that every other account keeps its id.
        for county in self.counties:
            profiles.append(UserProfile(user_id=user(f"hr{county.code}", is_staff=True), role=Role.HR,
                                        county_id=county.idx + 1, phone=mobile(rng)))
        cities = sorted({county.code[:4] for county in self.counties})
        supervisors = [user(f"city{city}00", is_staff=True) for city in cities]
        for uid, city in zip(supervisors, cities, strict=True):
            profiles.append(UserProfile(user_id=uid, role=Role.CITY_SUPERVISOR, area_code=f"{city}00", phone=mobile(rng)))
        supervisors.append(user("province", is_staff=True))
        profiles.append(UserProfile(user_id=supervisors[-1], role=Role.PROVINCE_SUPERVISOR,
                                    area_code=f"{self.counties[0].code[:2]}0000", phone=mobile(rng)))
        self.bulk(User, users, label="用户")
        for index, profile in enumerate(profiles, start=1):
            profile.id = index
        self.bulk(UserProfile, profiles)
        group, _ = Group.objects.get_or_create(name=demo.HR_GROUP)
        group.permissions.add(*Permission.objects.filter(
            Q(content_type__app_label__in=demo.HR_GROUP_APPS) | Q(content_type__app_label="auth", codename="view_user")
        ))
        membership = User.groups.through
        county_hr = [p.user_id for p in profiles if p.role == Role.HR and p.user_id > FINANCE]
        supervising, _ = Group.objects.get_or_create(name=demo.SUPERVISOR_GROUP)
        supervising.permissions.add(*demo.supervisor_permissions())
        template, _ = Group.objects.get_or_create(name=demo.PROVINCE_GROUP)
        template.permissions.add(*demo.province_permissions())
        self.bulk(membership, [
            *(membership(user_id=uid, group_id=group.pk) for uid in (HR, REVIEWER, APPROVER, FINANCE, *county_hr)),
            *(membership(user_id=uid, group_id=supervising.pk) for uid in supervisors),
            membership(user_id=supervisors[-1], group_id=template.pk)], label="用户组成员")
        self.documents = self.write_documents()

    def line_id(self, county, line):
        """A county's target line: each county has the demo's lines, numbered county by county."""
        return county.idx * len(demo.TARGET_LINES) + line

    def county_of_trainee(self, trainee_id):
        """Trainees are numbered county by county (plan_reference)."""
        return self.counties[bisect.bisect_right([c.trainee_start for c in self.counties], trainee_id) - 1]

    def bench_institution(self):
        """The institution whose clerk is bench_clerk: of 长治县, with the most classes in progress."""
        def key(inst):
            mine = [k for k in self.classes if k.inst is inst]
            return (sum(k.status == ClassStatus.IN_PROGRESS for k in mine), len(mine), -inst.id)

        return max(self.counties[0].institutions, key=key)

    def write_documents(self):
        """One syllabus, teaching plan and assessment plan per occupation (R17), shared by its
        classes; written once to the media storage, never overwritten."""
        started = time.perf_counter()
        documents = {}
        for occ in self.occupations:
            row = occ.row
            texts = {
                "syllabus": ("教学大纲", "一、培训目标\n二、理论教学:" + "、".join(row.theory)
                             + "\n三、实操训练:" + "、".join(row.practical) + "\n四、考核要求"),
                "teaching_plan": ("教学计划", "上午理论讲授,下午实操训练;实操实训不少于全部课时的70%。"),
                "assessment_plan": ("考核方案", "理论考试占30%,实操考核占70%,60分及以上为合格。"),
            }
            paths = {}
            for field_name, (title, body) in texts.items():
                path = f"classes/{field_name}/{YEAR}/{occ.id:02d}-{row.name}-{title}.txt"
                if not default_storage.exists(path):
                    path = default_storage.save(path, ContentFile(f"{row.name}培训{title}\n\n{body}\n".encode()))
                paths[field_name] = path
            documents[occ.id] = paths
        self.report("教学文件", "media/classes", len(documents) * 3, time.perf_counter() - started)
        return documents

    # -- writing: trainees ---------------------------------------------------------------------

    def write_trainees(self):
        columns = ["id", "id_number", "name", "sex", "birth_on", "phone", "township_id", "education", "address",
                   "registered_by_id", "registered_at"]
        towns = {t.id: t for t in self.townships}
        with Writer(self, Trainee, columns) as out:
            for county in self.counties:
                rng = self.rng("names", county.idx)
                used = set()
                region = county.code
                for t in range(county.trainee_start, county.trainee_start + county.trainees):
                    index = t - 1
                    female = self.t_female[index]
                    birth = self.t_birth[index]
                    day = date.fromordinal(birth)
                    while True:
                        sequence = rng.randrange(500) * 2 + (0 if female else 1)
                        key = birth * 1000 + sequence
                        if key not in used:
                            used.add(key)
                            break
                    first17 = f"{region}{day.year}{day.month:02d}{day.day:02d}{sequence:03d}"
                    number = first17 + ric.calc_check_digit(first17 + "0")
                    town = towns[self.t_township[index]]
                    address = f"{county.name}{town.plain}{rng.choice(town.villages)}{rng.randint(1, 168)}号"
                    registered = date.fromordinal(self.t_registered[index])
                    out.add((t, number, person_name(rng, female), "F" if female else "M", day.isoformat(), mobile(rng),
                             town.id, EDUCATION[self.t_edu[index]], address, town.official,
                             self.at(registered, 9 + index % 8, index * 7 % 60)))

    def write_categories(self):
        columns = ["id", "trainee_id", "category", "held_from", "held_until", "evidence"]
        rng = self.rng("categories")
        serial = 0
        with Writer(self, CategoryMembership, columns) as out:
            for county in self.counties:
                region = county.code
                for t in range(county.trainee_start, county.trainee_start + county.trainees):
                    index = t - 1
                    for category in (self.t_cat1[index], self.t_cat2[index]):
                        if category == 255:
                            continue
                        held_from, evidence = self._held(rng, CATEGORIES[category], region)
                        serial += 1
                        out.add((serial, t, CATEGORIES[category], held_from, None, evidence))

    @staticmethod
    def _held(rng, category, region):
        """When a category began (always before the year's first class, R18) and its evidence."""
        def day(first, last):
            return date.fromordinal(rng.randint(first.toordinal(), last.toordinal())).isoformat()

        if category == "urban_unemployed":
            held = day(date(2017, 3, 1), date(2018, 1, 31))
            return held, f"失业登记证 {region}{held[:4]}{rng.randrange(10**6):06d}"
        if category == "school_leaver":
            return "2017-07-10", "初高中毕业证书"
        if category == "college_graduate":
            return "2017-07-01", f"毕业证书编号 {rng.randrange(10**17, 10**18)}"
        if category == "poor_family":
            return "2016-03-01", "建档立卡贫困户"
        if category == "veteran":
            return day(date(2010, 9, 1), date(2017, 12, 31)), "退役证"
        if category == "migrant_worker":
            return day(date(2014, 1, 1), date(2017, 12, 31)), "村委会证明"
        return day(date(2015, 1, 1), date(2017, 12, 31)), "村委会证明"

    # -- writing: sessions and attendance ------------------------------------------------------

    def write_sessions(self):
        columns = ["id", "training_class_id", "held_on", "starts_at", "hours", "kind", "topic", "teacher"]
        serial = 0
        with Writer(self, Session, columns) as out:
            for k in self.classes:
                if k.status not in ROSTERED:
                    continue
                k.session_start = serial + 1
                counters = {True: 0, False: 0}
                row = k.occ.row
                for day, slot, halves, practical in k.sessions()[0]:
                    serial += 1
                    topics = row.practical if practical else row.theory
                    topic = topics[counters[practical] % len(topics)]
                    counters[practical] += 1
                    starts = "08:30:00" if slot == 0 else "14:00:00"
                    out.add((serial, k.id, day.isoformat(), starts, halves_text(halves),
                             "practical" if practical else "theory", topic, k.teachers[1 if practical else 0][0]))

    def write_attendance(self):
        """One mark per enrolment and held session (until a withdrawal); most trainees attend
        almost every session, a few per class miss many (R3). Completion records each trainee's
        rate over every scheduled hour; the class's rate counts withdrawn trainees' sessions."""
        # Marks entered on time: none is an approved correction (R20).
        columns = ["id", "is_present", "hours_present", "recorded_at", "recorded_by_id", "enrolment_id", "session_id",
                   "correction_id"]
        rng = self.rng("attendance")
        serial = 0
        pg = self.pg
        with Writer(self, AttendanceRecord, columns) as out:
            for k in self.classes:
                if k.status not in STARTED:
                    continue
                sessions, _, _ = k.sessions()
                finished = k.status != ClassStatus.IN_PROGRESS
                held = [(k.session_start + i, s[0].toordinal(), s[2],
                         self.at(s[0], 17, 30) if k.per_day == 1 else self.at(s[0], 12 if s[1] == 0 else 18))
                        for i, s in enumerate(sessions) if finished or s[0] <= AS_OF]
                scheduled = sum(s[2] for s in sessions)
                clerk = k.inst.clerk
                class_attended = class_scheduled = 0
                for e in range(k.enrol_start, k.enrol_start + k.enrol_count):
                    withdrawn = self.e_withdrawn[e]
                    poor = rng.random() < k.poor_share
                    absent_share = rng.uniform(0.45, 0.75) if poor else 0.03
                    marks = []
                    for sid, day, halves, stamp in held:
                        if withdrawn and day > withdrawn:
                            break
                        draw = rng.random()
                        if withdrawn and day == withdrawn or draw < absent_share:
                            marks.append([sid, halves, stamp, 0])
                        elif draw < absent_share + 0.015 and halves > 2:
                            marks.append([sid, halves, stamp, halves - rng.randint(1, min(4, halves - 1))])
                        else:
                            marks.append([sid, halves, stamp, halves])
                    attended = sum(m[3] for m in marks)
                    if not poor and not withdrawn and finished:
                        # Ordinary trainees stay clear of the threshold: forgive the latest absences.
                        for mark in reversed(marks):
                            if attended * 100 >= 88 * scheduled:
                                break
                            attended += mark[1] - mark[3]
                            mark[3] = mark[1]
                    eid = e + 1
                    for sid, halves, stamp, present in marks:
                        serial += 1
                        partial = halves_text(present) if 0 < present < halves else None
                        if pg:
                            out.add_line(f"{serial}\t{'t' if present else 'f'}\t{partial or NULL}\t{stamp}\t{clerk}"
                                         f"\t{eid}\t{sid}\t{NULL}\n")
                        else:
                            out.add((serial, bool(present), partial, stamp, clerk, eid, sid, None))
                    if finished:
                        class_attended += attended
                        if withdrawn:
                            class_scheduled += sum(m[1] for m in marks)
                        else:
                            class_scheduled += scheduled
                            self.e_rate[e] = attended * 10000 // scheduled
                if finished and class_scheduled:
                    k.rate = class_attended * 10000 // class_scheduled

    # -- writing: rosters and classes ----------------------------------------------------------

    def write_enrolments(self):
        columns = ["id", "training_class_id", "trainee_id", "source", "category", "enrolled_on", "enrolled_by_id",
                   "is_withdrawn", "withdrawn_on", "withdrawal_reason", "attendance_rate", "meets_attendance"]
        threshold = int(self.p.min_attendance_rate * 10000)
        with Writer(self, Enrolment, columns) as out:
            for k in self.classes:
                for e in range(k.enrol_start, k.enrol_start + k.enrol_count):
                    withdrawn = self.e_withdrawn[e]
                    rate = self.e_rate[e]
                    source = SOURCES[self.e_source[e]]
                    out.add((e + 1, k.id, self.e_trainee[e], source, CATEGORIES[self.e_category[e]],
                             self.iso(self.e_enrolled[e]), k.inst.clerk,
                             bool(withdrawn), self.iso(withdrawn) if withdrawn else None,
                             tables.WITHDRAWAL_REASONS[self.e_reason[e]] if withdrawn else "",
                             None if rate == NO_RATE else share(rate), None if rate == NO_RATE else rate >= threshold))

    def write_classes(self):
        columns = ["id", "policy_year_id", "county_id", "code", "name", "institution_id", "occupation_id", "target_line_id",
                   "training_mode", "level", "planned_start_on", "planned_end_on", "planned_days", "total_hours",
                   "practical_hours", "capacity", "venue", "teachers", "roster_plan", "syllabus", "teaching_plan",
                   "assessment_plan", "status", "created_by_id", "created_at", "submitted_by_id", "submitted_at",
                   "decided_by_id", "decided_at", "decision_note", "started_on", "completed_on", "attendance_rate",
                   "closed_at", "cancelled_at"]
        people = {demo.LINE_MIGRANT: "农村劳动力和进城务工人员", demo.LINE_UNEMPLOYED: "城镇失业人员和未继续升学的毕业生",
                  demo.LINE_CARER: "有意从事护理工作的人员"}
        line_names = {i: n for n, i in self.lines.items()}
        with Writer(self, TrainingClass, columns) as out:
            for k in self.classes:
                _, total, practical = k.sessions()
                docs = self.documents[k.occ.id]
                draft = k.status == ClassStatus.DRAFT
                towns = k.county.townships
                roster_plan = (f"由{towns[k.id % len(towns)].plain}、{towns[(k.id + 1) % len(towns)].plain}等乡镇人社所推荐"
                               f"{people[line_names[k.line]]},计划招收{k.capacity}人;持培训券人员可直接报名;开班前3天截止报名。")
                started = k.status in STARTED
                finished = k.status in FINISHED
                out.add((
                    k.id, YEAR, k.county.idx + 1, k.code, k.name, k.inst.id, k.occ.id, self.line_id(k.county, k.line),
                    k.inst.mode, k.level,
                    k.start.isoformat(), k.end.isoformat(), len(k.days), total, practical, k.capacity,
                    k.inst.building + k.occ.row.room, "\n".join(",".join(t) for t in k.teachers), roster_plan,
                    docs["syllabus"], "" if draft else docs["teaching_plan"], "" if draft else docs["assessment_plan"],
                    k.status, k.inst.clerk, self.at(k.created_on, 16),
                    k.inst.clerk if k.submitted_on else None,
                    self.at(k.submitted_on, 10, 30) if k.submitted_on else None,
                    HR if k.decided_on else None, self.at(k.decided_on, 15, 30) if k.decided_on else None,
                    k.decision_note, k.start.isoformat() if started else None,
                    k.end.isoformat() if finished else None, share(k.rate) if finished and k.rate >= 0 else None,
                    self.at(k.closed_on, 10) if k.closed_on else None,
                    self.at(k.cancelled_on, 11) if k.cancelled_on else None,
                ))

    def write_transitions(self):
        columns = ["id", "training_class_id", "from_status", "to_status", "acted_by_id", "acted_at", "note",
                   "acknowledged_warnings"]
        serial = 0
        with Writer(self, ClassTransition, columns) as out:
            for k in self.classes:
                clerk = k.inst.clerk
                _, total, practical = k.sessions()
                warning = ""
                if practical * 100 < 70 * total:
                    warning = (f"实操课时占比为{Decimal(practical * 100) / total:.1f}%,低于70%的目标(R4《实施方案》三(五)):"
                               "可以提交,但请确认课程安排。")
                steps = []
                if k.submitted_on:
                    steps.append(("submitted", clerk, self.at(k.submitted_on, 10, 30), "", warning))
                if k.decided_on:
                    decision = {ClassStatus.RETURNED: "returned", ClassStatus.REJECTED: "rejected"}.get(
                        k.status, "approved")
                    steps.append((decision, HR, self.at(k.decided_on, 15, 30), k.decision_note, warning))
                if k.status in STARTED:
                    steps.append(("in_progress", clerk, self.at(k.start, 8), "", ""))
                if k.status in FINISHED:
                    steps.append(("completed", clerk, self.at(k.end, 17), "", ""))
                if k.closed_on:
                    steps.append(("closed", HR, self.at(k.closed_on, 10), "", ""))
                if k.cancelled_on:
                    steps.append(("cancelled", clerk, self.at(k.cancelled_on, 11), k.cancel_reason, ""))
                current = "draft"
                for target, by, when, note, acknowledged in steps:
                    serial += 1
                    out.add((serial, k.id, current, target, by, when, note, acknowledged))
                    current = target

    def write_textbooks(self):
        serial = 0
        isbns = {}
        with Writer(self, Textbook, ["id", "training_class_id", "title", "publisher", "isbn"]) as out:
            for k in self.classes:
                for title, publisher, first12 in k.occ.row.textbooks:
                    if first12 not in isbns:
                        isbns[first12] = demo.isbn13(first12)
                    serial += 1
                    out.add((serial, k.id, title, publisher, isbns[first12]))

    # -- writing: results, certificates, employment --------------------------------------------

    def write_assessments(self):
        """结业考核 for every trainee who completed with enough attendance (R3)."""
        columns = ["id", "enrolment_id", "result", "theory_score", "practical_score", "assessed_on", "recorded_by_id"]
        rng = self.rng("assessments")
        threshold = int(self.p.min_attendance_rate * 10000)
        serial = 0
        with Writer(self, Assessment, columns) as out:
            for k in self.classes:
                if k.status not in FINISHED:
                    continue
                on = k.end.isoformat()
                for e in range(k.enrol_start, k.enrol_start + k.enrol_count):
                    rate = self.e_rate[e]
                    if rate == NO_RATE or rate < threshold:
                        continue
                    draw = rng.random()
                    if draw < 0.035:
                        result, theory, practical = 2, rng.randint(96, 156), rng.randint(76, 118)
                    elif draw < 0.045:
                        result, theory, practical = 3, None, None
                    else:
                        result, theory, practical = 1, rng.randint(124, 192), rng.randint(130, 194)
                    self.e_result[e] = result
                    serial += 1
                    out.add((serial, e + 1, RESULTS[result], None if theory is None else halves_text(theory),
                             None if practical is None else halves_text(practical), on, k.inst.clerk))

    def certificate_number(self, k, serial):
        return f"{YEAR % 100}{k.county.code}{serial:07d}"

    def write_certificates(self):
        """The kind the occupation leads to (R12): skill levels from an evaluation body with a
        published plan covering the occupation, every other kind from the county's HR bureau."""
        columns = ["id", "enrolment_id", "trainee_id", "occupation_id", "kind", "level", "number",
                   "evaluation_body_id", "issuer_name", "issued_on", "recorded_by_id"]
        serial = 0
        with Writer(self, Certificate, columns) as out:
            for k in self.classes:
                if k.status not in FINISHED or k.cert_on is None or k.cert_on > AS_OF:
                    continue
                kind = k.occ.row.certificate_kind
                if kind == "skill_level" and k.body is None:
                    continue
                body = k.body if kind == "skill_level" else None
                issuer = body.name if body else f"{k.county.name}人力资源和社会保障局"
                by = body.user if body else HR
                on = k.cert_on.isoformat()
                for e in range(k.enrol_start, k.enrol_start + k.enrol_count):
                    if self.e_result[e] != 1:
                        continue
                    serial += 1
                    self.e_cert[e] = serial
                    out.add((serial, e + 1, self.e_trainee[e], k.occ.id, kind, k.level if kind == "skill_level" else "",
                             self.certificate_number(k, serial), body.id if body else None, issuer, on, by))

    def write_employment(self):
        """Jobs within three months of the class end for about six in ten certified (R7), most
        verified by HR; for settled classes every job was settled before the second claim."""
        columns = ["id", "trainee_id", "enrolment_id", "employer_name", "employer_credit_code", "started_on",
                   "contract_months", "evidence_kind", "evidence_file", "is_employer_the_institution",
                   "recorded_by_id", "recorded_at", "verified_by_id", "verified_at", "verification_note"]
        rng = self.rng("employment")
        serial = 0
        self.hires = []
        with Writer(self, EmploymentRecord, columns) as out:
            for k in self.classes:
                if k.status not in FINISHED:
                    continue
                end = k.end.toordinal()
                employers = [i for i, row in enumerate(k.county.employers) if row[0] == k.occ.row.employers]
                cap = AS_OF_ORD
                if k.claim2:
                    cap = k.claim2["created"].toordinal() - 1
                for e in range(k.enrol_start, k.enrol_start + k.enrol_count):
                    if not self.e_cert[e] or rng.random() >= 0.66:
                        continue
                    started = end + rng.randint(4, 85)
                    if started > AS_OF_ORD:
                        continue
                    recorded = min(started + rng.randint(2, 8), AS_OF_ORD)
                    verified = 0
                    if k.claim2 or rng.random() < 0.75:
                        verified = min(recorded + rng.randint(3, 15), cap)
                        if verified < recorded:
                            verified = 0
                    employer = rng.choice(employers) if employers else rng.randrange(len(k.county.employers))
                    _, name, code = k.county.employers[employer]
                    evidence = pick(rng, EVIDENCE)
                    months = {"contract": rng.choice((12, 12, 24, 36)), "social_insurance": rng.choice((6, 12, None))
                              }.get(evidence)
                    serial += 1
                    self.e_emp[e], self.e_emp_started[e], self.e_emp_verified[e] = serial, started, verified
                    self.e_employer[e] = employer
                    out.add((serial, self.e_trainee[e], e + 1, name, code, self.iso(started), months, evidence, "",
                             False, k.inst.clerk, self.at(date.fromordinal(recorded), 10),
                             REVIEWER if verified else None, self.at(date.fromordinal(verified), 15) if verified else None,
                             # R23: an employer without a credit code is verified only with HR's note.
                             UNCODED_NOTE if verified and not code else ""))
                    if code and evidence == "contract" and months and rng.random() < 0.03:
                        self.hires.append((e, name, code, started, months))

    def write_vouchers(self):
        """The voucher pilot (四(三), R14): vouchers used at enrolment, others waiting, a few
        expired or cancelled."""
        columns = ["id", "code", "holder_id", "township_id", "policy_year_id", "issued_on", "expires_on", "status",
                   "enrolment_id", "redeemed_on", "issued_by_id"]
        rng = self.rng("vouchers")
        towns = {t.id: t for t in self.townships}
        expires = date(YEAR, 12, 31).isoformat()
        serial = 0
        with Writer(self, Voucher, columns) as out:
            for e, issued in self.redeemed:
                t = self.e_trainee[e]
                town = towns[self.t_township[t - 1]]
                serial += 1
                self.e_voucher[e] = serial
                out.add((serial, f"QJ{YEAR}-{serial:07d}", t, town.id, YEAR, self.iso(issued), expires, "redeemed",
                         e + 1, self.iso(self.e_enrolled[e]), town.official))
            pilot_from = VOUCHER_PILOT_FROM.toordinal()
            for index in range(self.scale.trainees):
                if self.t_count[index] or rng.random() >= 0.06:
                    continue
                town = towns[self.t_township[index]]
                registered = self.t_registered[index]
                draw = rng.random()
                if draw < 0.08 and registered < date(2018, 9, 1).toordinal():
                    issued = max(registered, pilot_from) + rng.randint(0, 20)
                    status, until = "expired", "2018-09-30"
                elif draw < 0.12:
                    issued = min(max(registered, pilot_from) + rng.randint(0, 30), AS_OF_ORD)
                    status, until = "cancelled", expires
                else:
                    issued = min(max(registered, pilot_from) + rng.randint(0, 30), AS_OF_ORD)
                    status, until = "issued", expires
                serial += 1
                out.add((serial, f"QJ{YEAR}-{serial:07d}", index + 1, town.id, YEAR, self.iso(issued), until, status,
                         None, None, town.official))

    def write_inspections(self):
        """督导检查 (三(七)): system monitoring of every finished class below 85% attendance (its
        claim needs the supervision decision, R3), and on-site or video checks of a few others."""
        columns = ["id", "institution_id", "training_class_id", "inspected_on", "method", "findings", "follow_up",
                   "is_compliant", "inspector_id", "recorded_at"]
        rng = self.rng("inspections")
        threshold = int(self.p.min_attendance_rate * 10000)
        serial = 0
        with Writer(self, Inspection, columns) as out:
            for k in self.classes:
                if k.status in FINISHED and 0 <= k.rate < threshold:
                    on = wd(k.end, rng.randint(1, 4))
                    if on <= AS_OF:
                        serial += 1
                        k.inspection = serial
                        out.add((serial, k.inst.id, k.id, on.isoformat(), "system",
                                 f"系统监测:该班结业到课率为{share_percent(k.rate)},低于{share_text(self.p.min_attendance_rate)}"
                                 "(R3《实施方案》三(五))。"
                                 "调阅考勤记录,缺勤集中在少数学员,已核对请假条及视频记录。",
                                 "到课率未达标的学员不得参加考核、不予补贴;机构须加强考勤管理,县人社局将对该机构后续培训班实地抽查。",
                                 False, REVIEWER, self.at(on, 17)))
                elif k.status in STARTED and rng.random() < 0.03:
                    held = [d for d in k.days if d <= AS_OF]
                    on = rng.choice(held)
                    method = rng.choice(("on_site", "video"))
                    present = k.enrol_count - rng.randint(0, 2)
                    findings = (f"{'实地查看' if method == 'on_site' else '调阅监控录像'}:当日应到学员{k.enrol_count}人,"
                                f"实到{present}人,与考勤记录一致;实训按教学计划进行。")
                    serial += 1
                    out.add((serial, k.inst.id, k.id, on.isoformat(), method, findings, "", True, REVIEWER,
                             self.at(on, 17)))

    # -- claims --------------------------------------------------------------------------------

    def plan_claims(self):
        """First-instalment claims of the finished classes with certificates, in the status each
        has reached by AS_OF; the second instalment of the settled (closed) classes (R6-R8, R19)."""
        rng = self.rng("claims")
        self.claims = []
        p = self.p
        self.amounts = {}
        reward = fen(p.placement_reward_amount)
        for k in self.classes:
            if not k.claim1 or k.status not in FINISHED:
                continue
            days = len(k.days)
            if days not in self.amounts:
                total = training_subsidy(days=days, p=p)
                first, second = split_instalments(total, p=p)
                self.amounts[days] = (fen(total), fen(first), fen(second))
            _, first, second = self.amounts[days]
            lines = [e for e in range(k.enrol_start, k.enrol_start + k.enrol_count) if self.e_cert[e]]
            if not lines:
                continue
            steps = k.claim1
            status = claim_status(steps)
            if status is None:
                continue
            claim = ClaimPlan(len(self.claims) + 1, k, "first", status, steps, lines, {}, 0)
            if status in ("submitted", "reviewed") and rng.random() < 0.08:
                claim.status, claim.return_reason = "draft", rng.choice(tables.CLAIM_RETURN_REASONS)
            elif status in ("reviewed", "approved") and rng.random() < 0.01:
                claim.status, claim.return_reason = "rejected", tables.CLAIM_REJECT_REASON
            if claim.status in ("publicised", "payable", "paid") and rng.random() < 0.01:
                e = rng.choice(lines)
                content, upheld, note = rng.choice(tables.OBJECTIONS)
                starts, ends = steps["publicity_starts"], min(steps["publicity_ends"], AS_OF)
                received = date.fromordinal(rng.randint(starts.toordinal(), ends.toordinal()))
                decided = None
                if claim.status != "publicised" or rng.random() < 0.5:
                    decided = min(wd(received, 1), steps["publicity_ends"], AS_OF)
                    decided = max(decided, received)
                else:
                    upheld = None
                claim.objection = (e, content, upheld, note, received, decided)
                if upheld:
                    claim.void[e] = f"公示异议成立:{note}"[:200]
            live = len(lines) - len(claim.void)
            claim.total_fen = live * first
            self.claims.append(claim)
            if k.claim2:
                window_end = add_calendar_months(k.end, p.employment_window_months).toordinal()
                created = k.claim2["created"].toordinal()
                start = k.start.toordinal()
                second_lines = [
                    e for e in lines
                    if e not in claim.void and self.e_emp[e] and start <= self.e_emp_started[e] <= window_end
                    and 0 < self.e_emp_verified[e] < created
                ]
                if second_lines:
                    self.claims.append(ClaimPlan(len(self.claims) + 1, k, "second", "paid", k.claim2, second_lines, {},
                                                 len(second_lines) * (second + reward)))

    def write_claims(self):
        columns = ["id", "institution_id", "training_class_id", "instalment", "status", "total_amount",
                   "created_by_id", "created_at", "submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at",
                   "approved_by_id", "approved_at", "publicity_starts_on", "publicity_ends_on", "paid_by_id", "paid_at",
                   "payment_reference", "return_reason", "supervision_inspection_id", "supervision_note",
                   "first_submitted_on"]
        order = ("draft", "submitted", "reviewed", "approved", "publicised", "payable", "paid")
        with Writer(self, SubsidyClaim, columns) as out:
            for c in self.claims:
                k, s = c.klass, c.steps
                reached = order.index(c.status) if c.status in order else order.index("reviewed")
                clerk = k.inst.clerk
                returned = c.status == "draft" and c.return_reason
                submitted = reached >= 1 and not returned
                reviewed = reached >= 2
                approved = reached >= 3 and c.status != "rejected"
                publicised = reached >= 4 and c.status != "rejected"
                paid = c.status == "paid"
                reference = ""
                if paid:
                    k.county.payments += 1
                    reference = f"{k.county.name}人社局拨〔{YEAR}〕{k.county.payments}号"
                supervised = approved and k.inspection
                out.add((
                    c.id, k.inst.id, k.id, c.instalment, c.status, money(c.total_fen), clerk, self.at(s["created"], 9, 30),
                    clerk if submitted else None, self.at(s["submitted"], 10) if submitted else None,
                    REVIEWER if reviewed else None, self.at(s["reviewed"], 15) if reviewed else None,
                    APPROVER if approved else None, self.at(s["approved"], 16) if approved else None,
                    s["publicity_starts"].isoformat() if publicised else None,
                    s["publicity_ends"].isoformat() if publicised else None,
                    FINANCE if paid else None, self.at(s["paid"], 11) if paid else None, reference, c.return_reason,
                    k.inspection if supervised else None,
                    "经督导检查核实,到课率未达标学员未纳入申领,其余学员考勤属实,同意拨付。" if supervised else "",
                    # R18's day: the first submission, kept when HR returned the claim.
                    s["submitted"].isoformat() if reached >= 1 and s.get("submitted") else None,
                ))

    def write_claim_lines(self):
        columns = ["id", "claim_id", "enrolment_id", "instalment", "training_days", "total_subsidy_amount",
                   "first_amount", "second_amount", "amount", "placement_reward_amount", "reason", "certificate_id",
                   "employment_id", "voucher_id", "is_void", "void_reason", "held_by_id"]
        reward = fen(self.p.placement_reward_amount)
        serial = 0
        self.objection_lines = {}
        with Writer(self, ClaimLine, columns) as out:
            for c in self.claims:
                k = c.klass
                days = len(k.days)
                total, first, second = self.amounts[days]
                kind = CERT_KIND_LABELS[k.occ.row.certificate_kind]
                fixed = (days, money(total), money(first), money(second))
                for e in c.lines:
                    serial += 1
                    certificate = self.e_cert[e]
                    if c.instalment == "first":
                        reason = (f"取得{kind}(编号{self.certificate_number(k, certificate)}),"
                                  f"到课率{share_percent(self.e_rate[e])},培训{days}天")
                        amount, extra, employment = money(first), "0.00", None
                    else:
                        employer = k.county.employers[self.e_employer[e]][1]
                        started = date.fromordinal(self.e_emp_started[e])
                        reason = f"结业后3个月内就业({employer},{started.year}年{started.month:02d}月{started.day:02d}日起,已核实)"
                        amount, extra, employment = money(second), money(reward), self.e_emp[e]
                    void = c.void.get(e, "")
                    if c.objection and c.objection[0] == e:
                        self.objection_lines[c.id] = serial
                    out.add((serial, c.id, e + 1, c.instalment, *fixed, amount, extra, reason[:200], certificate,
                             employment, self.e_voucher[e] or None, bool(void), void, None))

    def write_objections(self):
        columns = ["id", "line_id", "received_on", "objector", "content", "is_upheld", "decision_note", "recorded_by_id",
                   "decided_by_id", "decided_at", "channel", "contact_phone"]
        serial = 0
        with Writer(self, ClaimObjection, columns) as out:
            for c in self.claims:
                if not c.objection:
                    continue
                _, content, upheld, note, received, decided = c.objection
                serial += 1
                out.add((serial, self.objection_lines[c.id], received.isoformat(), "", content, upheld,
                         note if decided else "", REVIEWER, APPROVER if decided else None,
                         self.at(decided, 16) if decided else None, "counter", ""))

    def write_small_enterprise_subsidies(self):
        """R15 (四(四)): small enterprises claim 300 yuan for hires on contracts of 6 months or more,
        each a small or micro 工业 enterprise by its figures for the year before (工信部联企业〔2011〕
        300号). The bench data stores no evidence files."""
        columns = ["id", "enterprise_name", "enterprise_credit_code", "industry", "employees", "revenue_10k",
                   "assets_10k", "figures_year", "size_evidence", "enterprise_size", "hire_id", "county_id", "policy_year_id",
                   "contract_starts_on", "contract_months", "stage", "certificate_id", "amount", "status",
                   "submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at", "approved_by_id", "approved_at",
                   "paid_at", "payment_reference", "return_reason"]
        rng = self.rng("enterprise")
        amount = str(self.p.small_enterprise_hire_amount)
        seen = set()
        serial = 0
        with Writer(self, SmallEnterpriseSubsidy, columns) as out:
            for e, name, code, started, months in self.hires:
                hire = self.e_trainee[e]
                if (code, hire) in seen or months < self.p.small_enterprise_min_contract_months:
                    continue
                seen.add((code, hire))
                submitted = min(started + rng.randint(10, 30), AS_OF_ORD)
                steps = [submitted, submitted + rng.randint(2, 8), 0, 0]
                steps[2] = steps[1] + rng.randint(1, 6)
                steps[3] = steps[2] + rng.randint(3, 12)
                reached = sum(1 for s in steps if s <= AS_OF_ORD)
                status = ("submitted", "submitted", "reviewed", "approved", "paid")[reached]
                serial += 1
                day = date.fromordinal
                employees, revenue = rng.randint(8, 280), Decimal(rng.randint(150, 1900))
                size = classify_enterprise(industry="manufacturing", employees=employees, revenue_10k=revenue,
                                           assets_10k=None).size
                out.add((
                    serial, name, code, "manufacturing", employees, str(revenue), None, YEAR - 1, "", size,
                    hire, self.county_of_trainee(hire).idx + 1, YEAR, self.iso(started), months, "hire", None, amount,
                    status, HR,
                    self.at(day(steps[0]), 10), REVIEWER if reached >= 2 else None,
                    self.at(day(steps[1]), 15) if reached >= 2 else None, APPROVER if reached >= 3 else None,
                    self.at(day(steps[2]), 16) if reached >= 3 else None,
                    self.at(day(steps[3]), 11) if reached >= 4 else None,
                    f"小微企业补贴拨〔{YEAR}〕{serial}号" if reached >= 4 else "", "",
                ))


def claim_status(steps):
    """The furthest step a claim has reached by AS_OF (None: not generated yet)."""
    if steps["paid"] <= AS_OF:
        return "paid"
    if steps["publicity_ends"] < AS_OF:
        return "payable"
    for name, status in (("publicity_starts", "publicised"), ("approved", "approved"), ("reviewed", "reviewed"),
                         ("submitted", "submitted"), ("created", "draft")):
        if steps[name] <= AS_OF:
            return status
    return None


_PERCENT = {}


def share_percent(rate: int) -> str:
    """91.7%: a rate in hundredths of a percent as the claim previews and supervision notes print
    it (common.numbers.rate_text, the one rate formatter: truncated, never rounded up)."""
    text = _PERCENT.get(rate)
    if text is None:
        text = _PERCENT[rate] = rate_text(Decimal(rate) / 10000)
    return text


def timezone_aware(day):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9))


# ---------------------------------------------------------------------------------------------
# The command.

WRITTEN_MODELS = [
    CountyRow, PolicyYear, TargetLine, Township, TownshipTarget, Occupation, TrainingInstitution, InstitutionYear,
    EvaluationBody, EvaluationPlan, EvaluationPlan.occupations.through, UserProfile, Trainee,
    CategoryMembership, Session, AttendanceRecord, Enrolment, TrainingClass, ClassTransition, Textbook, Assessment,
    Certificate, EmploymentRecord, Voucher, Inspection, SubsidyClaim, ClaimLine, ClaimObjection,
    SmallEnterpriseSubsidy,
]


class Command(BaseCommand):
    help = (
        "生成一个完整可信的2018年度全民技能提升工程数据(用于性能测试),写入空数据库:"
        "--scale county 为一个县(6000名学员、150个培训班、约6万条考勤),"
        "--scale province 为全省117个县(100万名学员、2.5万个培训班、约1000万条考勤,仅限 PostgreSQL)。"
        f"测试账号 bench_hr、bench_clerk、bench_town 等,密码均为 {PASSWORD}。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), required=True,
                            help="数据规模:county(一个县)或 province(全省)。")
        parser.add_argument("--seed", type=int, default=YEAR, help="随机数种子,相同种子生成相同数据(默认2018)。")
        parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        scale, seed, fraction = options["scale"], options["seed"], options["fraction"]
        if not 0 < fraction <= 1:
            raise CommandError("--fraction 须在0到1之间。")
        self.refuse_unless_empty(scale)
        started = time.perf_counter()
        label = "全省" if scale == "province" else "一个县"
        self.stdout.write(f"生成{label}规模的{YEAR}年度数据(种子 {seed},数据库 {connection.vendor}):")
        generator = Generator(self, scale, seed, fraction)
        User = get_user_model()
        with transaction.atomic():
            saved = self.relax_constraints() if generator.pg else None
            generator.run()
            if saved:
                self.restore_constraints(*saved)
            self.reset_sequences([*WRITTEN_MODELS, User, User.groups.through])
        self.analyze()
        self.summary(generator, time.perf_counter() - started)

    def refuse_unless_empty(self, scale):
        if scale == "province" and connection.vendor != "postgresql":
            raise CommandError(
                "全省规模(100万名学员、约1000万条考勤)只能写入 PostgreSQL:SQLite 承担不了这样的数据量和并发。"
                "请设置 DATABASE_URL=postgres://... 后再运行,或改用 --scale county。"
            )
        if Trainee.objects.exists():
            raise CommandError(
                f"数据库中已有 {Trainee.objects.count():,} 名学员:generate_data 只能向空数据库写入,以免与已有数据混在一起。"
                "请新建一个数据库(如 createdb skills_bench),执行 migrate 后再运行。"
            )
        User = get_user_model()
        busy = [str(m._meta.verbose_name) for m in [*WRITTEN_MODELS, User] if m._default_manager.exists()]
        if busy:
            raise CommandError(
                f"数据库不是空的(已有:{'、'.join(busy)}):generate_data 只能向空数据库写入。"
                "请新建一个数据库,执行 migrate 后再运行。"
            )

    def relax_constraints(self):
        """Drop the loaded tables' foreign keys and non-unique indexes for the load (PostgreSQL);
        restore_constraints puts them back, checking every row, in the same transaction."""
        User = get_user_model()
        names = [m._meta.db_table for m in [*WRITTEN_MODELS, User, User.groups.through]]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [names])
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT indisunique ORDER BY 1", [names])
            indexes = cursor.fetchall()
            quote = connection.ops.quote_name
            for table, name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        return foreign_keys, indexes

    def restore_constraints(self, foreign_keys, indexes):
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for _, definition in indexes:
                cursor.execute(definition)
            self.stdout.write(f"  重建索引 {len(indexes)} 个 {time.perf_counter() - started:.1f} 秒")
            started = time.perf_counter()
            for table, name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            self.stdout.write(f"  恢复并逐行校验外键约束 {len(foreign_keys)} 个 {time.perf_counter() - started:.1f} 秒")

    def reset_sequences(self, models):
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self):
        if connection.vendor != "postgresql":
            return
        started = time.perf_counter()
        User = get_user_model()
        names = [m._meta.db_table for m in [*WRITTEN_MODELS, User, User.groups.through]]
        quote = connection.ops.quote_name
        vacuum = not connection.in_atomic_block
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {quote(name)}")
        self.stdout.write(f"  {'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {time.perf_counter() - started:.1f} 秒")

    def summary(self, generator, seconds):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = sum(t[2] for t in generator.timings)
        statuses = {}
        for k in generator.classes:
            statuses[k.status] = statuses.get(k.status, 0) + 1
        labels = dict(ClassStatus.choices)
        by_status = "、".join(f"{labels[s]} {statuses[s]:,}" for s in ClassStatus.values if s in statuses)
        claims = {}
        for c in generator.claims:
            claims[c.status] = claims.get(c.status, 0) + 1
        self.stdout.write(f"培训班状态:{by_status}。")
        self.stdout.write("补贴申领状态:" + "、".join(f"{s} {n:,}" for s, n in sorted(claims.items())) + "。")
        self.stdout.write(self.style.SUCCESS(
            f"完成:共写入 {rows:,} 行,总用时 {seconds:.1f} 秒,进程峰值内存 {peak:.0f} MiB。"))
        self.stdout.write(f"测试账号 bench_hr、bench_reviewer、bench_approver、bench_finance、bench_clerk、bench_town、"
                          f"bench_eval,密码均为 {PASSWORD}。")
