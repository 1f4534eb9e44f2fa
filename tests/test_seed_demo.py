"""`manage.py seed_demo`: a believable 2018 county year, idempotent, refused outside DEBUG."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse

from courses.models import AttendanceRecord, ClassStatus, Enrolment, TrainingClass
from skills_program.models import PolicyYear, TargetLine, Township, TownshipTarget
from subsidies.models import ClaimLine
from subsidies.policy import split_instalments, training_subsidy
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

DEMO_USERS = ["hr_admin", "hr_reviewer", "hr_approver", "inst_clerk", "inst_clerk2", "town_official",
              "town_official2", "eval_body"]


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert Trainee.objects.count() == 0


def test_running_twice_creates_nothing_new(seeded):
    before = row_counts()
    call_command("seed_demo", verbosity=0)
    assert row_counts() == before


def test_a_partly_seeded_database_is_completed_not_duplicated(seeded):
    complete = row_counts()
    AttendanceRecord.objects.filter(pk__in=AttendanceRecord.objects.values("pk")[:100]).delete()
    ClaimLine.objects.filter(claim__status="draft").delete()
    call_command("seed_demo", verbosity=0)
    assert row_counts()["courses.AttendanceRecord"] == complete["courses.AttendanceRecord"]
    assert row_counts()["subsidies.ClaimLine"] == complete["subsidies.ClaimLine"]


def test_the_county_year_is_believable(seeded):
    year = PolicyYear.objects.get(year=2018)
    assert TargetLine.objects.filter(policy_year=year).aggregate(t=Sum("target_count"))["t"] == 5825
    assert TownshipTarget.objects.filter(policy_year=year).aggregate(t=Sum("target_count"))["t"] == 5825
    assert {"韩店镇", "苏店镇", "荫城镇", "西火镇", "八义镇", "贾掌镇", "郝家庄乡", "东和乡", "南宋乡", "北呈乡",
            "西池乡"} == set(Township.objects.values_list("name", flat=True))
    assert set(TrainingClass.objects.values_list("status", flat=True)) == set(ClassStatus.values)
    assert 200 <= Trainee.objects.count() <= 1000
    for trainee in Trainee.objects.all():
        assert trainee.id_number.startswith("140421")
        trainee.full_clean()
    # Every class that left draft has its audit trail; completion recorded everyone's attendance (R3).
    for training_class in TrainingClass.objects.exclude(status="draft"):
        assert training_class.transitions.exists(), training_class.code
    finished = Enrolment.objects.filter(training_class__status__in=["completed", "closed"], is_withdrawn=False)
    assert not finished.filter(meets_attendance__isnull=True).exists()
    assert finished.filter(meets_attendance=False).exists()
    # Applications waiting for a decision meet every rule, so HR can approve them in the demo.
    from courses.services import check_application

    for training_class in TrainingClass.objects.filter(status__in=["draft", "submitted", "returned"]):
        check_application(training_class)
    # Claim lines carry the amounts of R6 and R7.
    p = year.params()
    for line in ClaimLine.objects.all():
        total = training_subsidy(days=line.training_days, p=p)
        assert line.total_subsidy_amount == total
        assert (line.first_amount, line.second_amount) == split_instalments(total, p=p)


def test_every_demo_user_logs_in_to_their_place(client, seeded):
    """Each demo user logs in with Demo-2018-skills and lands on a working page of their role."""
    for username in DEMO_USERS:
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": "Demo-2018-skills"})
        assert response.status_code == 302, username
        home = client.get(response["Location"])
        assert home.status_code == 302, username
        page = client.get(home["Location"])
        assert page.status_code == 200, username
