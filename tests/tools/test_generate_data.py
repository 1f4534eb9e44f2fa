"""`manage.py generate_data`: a believable county year in an empty database, consistent with the
product's own rules (ID numbers, attendance, claims) and usable right away (logins, pages, the
ORM inserting after it)."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.test import RequestFactory
from stdnum.cn import ric

from certification.models import Certificate, EmploymentRecord
from courses import policy as class_policy
from courses.models import AttendanceRecord, ClassStatus, Enrolment, Session, TrainingClass, Voucher
from courses.selectors import AttendanceSheet
from institutions.models import TrainingInstitution
from institutions.validators import validate_credit_code
from programme.models import PolicyYear, TargetLine, Township
from subsidies.models import ClaimLine, SubsidyClaim
from tests.conftest import built_once_for_the_module
from tools.management.commands.generate_data import Command, Generator
from trainees.models import Trainee
from trainees.policy import parse_id_number

pytestmark = pytest.mark.django_db

PASSWORD = "Bench-2018-skills"
AS_OF = date(2018, 12, 14)


@pytest.fixture(scope="module")
def county_of_the_module(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from built_once_for_the_module(generated_county, django_db_blocker, tmp_path_factory)


@pytest.fixture
def county(county_of_the_module, db):
    """The county year, generated once for the module (each test's writes are rolled back)."""
    return county_of_the_module


def generated_county():
    out = StringIO()
    call_command("generate_data", scale="county", stdout=out)
    return out.getvalue()


def test_the_county_year_has_the_shapes_of_spec_section_7(county):
    assert "完成:共写入" in county and "学员" in county
    assert Trainee.objects.count() == 6000
    assert TrainingClass.objects.count() == 150
    assert 10 <= Township.objects.count() <= 14
    assert 12 <= TrainingInstitution.objects.count() <= 18
    assert 50_000 <= AttendanceRecord.objects.count() <= 75_000
    assert 5_000 <= Enrolment.objects.count() <= 6_500
    assert 1_300 <= Session.objects.count() <= 2_000
    certificates = Certificate.objects.count()
    assert 3_500 <= certificates <= 5_200
    assert 0.45 <= EmploymentRecord.objects.count() / certificates <= 0.7
    assert Voucher.objects.filter(status="redeemed").exists() and Voucher.objects.filter(status="issued").exists()
    year = PolicyYear.objects.get(year=2018)
    assert sorted(TargetLine.objects.filter(policy_year=year).values_list("target_count", flat=True)) == [175, 1040, 4610]
    assert set(TrainingClass.objects.values_list("status", flat=True)) == set(ClassStatus.values)
    claims = dict(SubsidyClaim.objects.values_list("status").annotate(n=Count("pk")))
    assert {"draft", "submitted", "reviewed", "paid"} <= set(claims)
    present = AttendanceRecord.objects.filter(is_present=True).count() / AttendanceRecord.objects.count()
    assert 0.86 <= present <= 0.95
    rostered = TrainingClass.objects.filter(status__in=["approved", "in_progress", "completed", "closed"])
    assert 35 <= Enrolment.objects.count() / rostered.count() <= 45
    assert TrainingClass.objects.filter(capacity__gt=50).count() == 0


def test_every_trainee_has_a_valid_id_number_and_the_codes_check(county):
    today = date.today()
    for number, birth_on, sex in Trainee.objects.values_list("id_number", "birth_on", "sex"):
        info = parse_id_number(number, today=today)
        assert (info.birth_on, info.sex) == (birth_on, sex)
        assert number.startswith("14")
        assert 16 <= info.age_on(date(2018, 1, 1)) <= 60
    assert Trainee.objects.values("id_number").distinct().count() == 6000
    for code in TrainingInstitution.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)


def test_enrolments_attendance_agrees_with_the_marks(county):
    year = PolicyYear.objects.get(year=2018)
    p = year.params()
    finished = TrainingClass.objects.filter(status__in=["completed", "closed"]).order_by("pk")
    for training_class in finished[::7]:
        sheet = AttendanceSheet(training_class)
        assert sheet.unrecorded() == 0
        for enrolment in sheet.active_enrolments:
            attended, _ = sheet.hours(enrolment)
            rate = class_policy.attendance_rate(attended_hours=attended, scheduled_hours=sheet.scheduled_hours)
            assert enrolment.attendance_rate == rate
            assert enrolment.meets_attendance == class_policy.meets_attendance(rate=rate, p=p)
        assert training_class.attendance_rate == sheet.class_standing(p).best_reachable_rate
    # Classes still running have marks only for sessions held by the day the year is seen from,
    # and no final rate yet.
    running = TrainingClass.objects.filter(status="in_progress")
    assert running.exists()
    assert not Enrolment.objects.filter(training_class__in=running).exclude(attendance_rate=None).exists()
    assert not AttendanceRecord.objects.filter(session__training_class__in=running, session__held_on__gt=AS_OF).exists()
    # Only those who met attendance sat the assessment and hold a certificate (R3).
    assert not Certificate.objects.filter(Q(enrolment__meets_attendance=False) | Q(enrolment__is_withdrawn=True)).exists()


def test_claims_reconcile_and_follow_the_policy_amounts(county):
    out = StringIO()
    call_command("reconcile_claims", stdout=out)
    assert "核对完成" in out.getvalue()
    for claim in SubsidyClaim.objects.prefetch_related("lines")[:40]:
        live = [line for line in claim.lines.all() if not line.is_void]
        assert claim.total_amount == sum(line.amount + line.placement_reward_amount for line in live)
    assert not ClaimLine.objects.filter(instalment="first", enrolment__meets_attendance=False).exists()


def test_bench_users_log_in_and_their_pages_render(county, client):
    request = RequestFactory().get("/")
    for username in ("bench_hr", "bench_clerk", "bench_town", "bench_eval", "bench_reviewer"):
        assert client.login(request=request, username=username, password=PASSWORD), username
        client.logout()
    User = get_user_model()
    clerk = User.objects.get(username="bench_clerk")
    assert TrainingClass.objects.filter(institution=clerk.profile.institution, status="in_progress").exists()
    client.force_login(clerk)
    assert client.get("/institution/").status_code == 200
    client.force_login(User.objects.get(username="bench_town"))
    assert client.get("/township/").status_code == 200
    client.force_login(User.objects.get(username="bench_hr"))
    for url in ("/admin/trainees/trainee/", "/admin/courses/trainingclass/", "/admin/courses/attendancerecord/",
                "/admin/subsidies/subsidyclaim/"):
        assert client.get(url).status_code == 200, url


def test_the_orm_goes_on_inserting_after_the_load(county):
    first17 = "14042319900101123"  # 襄垣县: no generated county-scale trainee comes from there
    trainee = Trainee.objects.create(id_number=first17 + ric.calc_check_digit(first17 + "0"), name="新学员",
                                     township=Township.objects.first())
    assert trainee.pk > 6000
    enrolment = Enrolment.objects.filter(training_class__status="approved").first()
    extra = Session.objects.create(training_class=enrolment.training_class, held_on=date(2019, 1, 31), hours=4,
                                   kind="theory")
    assert extra.pk > Session.objects.exclude(pk=extra.pk).order_by("-pk").first().pk


def test_refuses_a_database_that_already_has_trainees(county):
    with pytest.raises(CommandError, match="已有 6,000 名学员"):
        call_command("generate_data", scale="county")


def test_refuses_province_scale_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("只在 SQLite 上拒绝全省规模")
    before = Trainee.objects.count()  # the module's county year may be there (see `county`)
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_data", scale="province")
    assert Trainee.objects.count() == before


def test_the_same_seed_plans_the_same_year():
    def plan(seed):
        generator = Generator(Command(stdout=StringIO()), "county", seed, 1.0)
        generator.plan_reference()
        generator.plan_people()
        generator.plan_classes()
        generator.plan_rosters()
        return (generator.t_birth.tobytes(), generator.e_trainee.tobytes(),
                [(k.code, k.status, k.start, k.capacity) for k in generator.classes])

    assert plan(2018) == plan(2018)
    assert plan(2018) != plan(7)
