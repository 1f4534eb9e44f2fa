"""`manage.py seed_demo`: a believable county in two years — 2018 closed and archived, the live
year around today — idempotent, refused outside DEBUG."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from common.documents import DOCX, sniff
from courses.models import AttendanceRecord, ClassStatus, Enrolment, TrainingClass, Voucher
from courses.services import check_application
from programme.calendar import workday_calendar
from programme.models import PolicyYear, TargetLine, Township, TownshipTarget
from reporting.selectors import annual_performance
from subsidies.models import ClaimLine, SubsidyClaim
from subsidies.policy import (
    add_calendar_months,
    employment_window_ends_on,
    split_instalments,
    training_subsidy,
)
from tests import factories
from tools import demo_data as demo
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

DEMO_USERS = ["hr_admin", "hr_reviewer", "hr_approver", "inst_clerk", "inst_clerk2", "inst_clerk3", "inst_clerk4",
              "inst_clerk5", "inst_clerk6", "town_official", "town_official2", "eval_body"]


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def seeded(demo_county, settings):
    """The run's demo county (tests/conftest.py); a test that seeds again does so with DEBUG on."""
    settings.DEBUG = True
    return demo_county


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert Trainee.objects.count() == 0


def test_refuses_a_database_holding_an_open_2018(settings):
    """An older demo (2018 still running) is not mixed with this one: the command says to start
    from an empty database."""
    settings.DEBUG = True
    factories.PolicyYearFactory(year=2018)
    with pytest.raises(CommandError, match="db.sqlite3"):
        call_command("seed_demo", verbosity=0)
    assert Trainee.objects.count() == 0 and TrainingClass.objects.count() == 0


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
    for year in PolicyYear.objects.all():
        assert TargetLine.objects.filter(policy_year=year).aggregate(t=Sum("target_count"))["t"] == 5825
        assert TownshipTarget.objects.filter(policy_year=year).aggregate(t=Sum("target_count"))["t"] == 5825
    assert {"韩店镇", "苏店镇", "荫城镇", "西火镇", "八义镇", "贾掌镇", "郝家庄乡", "东和乡", "南宋乡", "北呈乡",
            "西池乡"} == set(Township.objects.values_list("name", flat=True))
    assert set(TrainingClass.objects.values_list("status", flat=True)) == set(ClassStatus.values)
    assert 400 <= Trainee.objects.count() <= 1200
    for trainee in Trainee.objects.all():
        assert trainee.id_number.startswith("140421")
        trainee.full_clean()
    # Every class that left draft has its audit trail; completion recorded everyone's attendance (R3).
    for training_class in TrainingClass.objects.exclude(status="draft"):
        assert training_class.transitions.exists(), training_class.code
    finished = Enrolment.objects.filter(training_class__status__in=["completed", "closed"], is_withdrawn=False)
    assert not finished.filter(meets_attendance__isnull=True).exists()
    assert finished.filter(meets_attendance=False).exists()
    rates = TrainingClass.objects.filter(status__in=["completed", "closed"]).values_list("attendance_rate", flat=True)
    assert None not in rates and min(rates) >= Decimal("0.85")
    # Applications waiting for a decision meet every rule, so HR can approve them in the demo.

    for training_class in TrainingClass.objects.filter(status__in=["draft", "submitted", "returned"]):
        check_application(training_class)
        # Its documents are of a kind an upload may be (Word), named as uploads are.

        for field in ("syllabus", "teaching_plan", "assessment_plan"):
            document = getattr(training_class, field)
            with document.open("rb") as handle:
                assert sniff(handle) == (DOCX,) and document.name.endswith(".docx"), (training_class.code, field)
    # Claim lines carry the amounts of R6 and R7.
    for line in ClaimLine.objects.select_related("claim__training_class__policy_year"):
        p = line.claim.training_class.policy_year.params()
        total = training_subsidy(days=line.training_days, p=p)
        assert line.total_subsidy_amount == total
        assert (line.first_amount, line.second_amount) == split_instalments(total, p=p)


def test_2018_is_a_closed_archive(seeded):
    """The plan's own year is over: closed, every class settled (or refused or cancelled), every
    claim paid, no voucher still usable, nothing left on anyone's list."""
    archive = PolicyYear.objects.get(year=2018)
    assert archive.is_closed and TargetLine.objects.filter(policy_year=archive).count() == 3
    classes = TrainingClass.objects.filter(policy_year=archive)
    assert set(classes.values_list("status", flat=True)) == {"closed", "rejected", "cancelled"}
    assert classes.filter(status="closed").count() == 14
    claims = SubsidyClaim.objects.filter(training_class__policy_year=archive)
    assert set(claims.values_list("status", flat=True)) == {"paid"}
    for training_class in classes.filter(status="closed"):
        assert set(training_class.claims.values_list("instalment", flat=True)) == {"first", "second"}
        assert training_class.closed_at.date() > employment_window_ends_on(training_class.end_on, p=archive.params())
    assert not Voucher.objects.filter(policy_year=archive, status="issued").exists()

    assert all(performance.keeps_eligibility for _, performance in annual_performance(archive))


def test_the_live_year_is_this_year_around_today(seeded):
    """The current calendar year, open, with the plan's parameters, a class in session today and
    claims at every step; notice periods counted on the calendar the services read."""
    today = timezone.localdate()
    live = PolicyYear.objects.get(year=today.year)
    assert not live.is_closed and live.is_voucher_pilot_on
    assert live.params() == PolicyYear(year=today.year, placement_reward_amount=live.placement_reward_amount,
                                       is_voucher_pilot_on=True).params()
    classes = TrainingClass.objects.filter(policy_year=live)
    assert set(classes.values_list("status", flat=True)) == set(ClassStatus.values)
    in_session = classes.filter(status="in_progress", sessions__held_on=today).distinct()
    assert {c.institution.name for c in in_session} >= {demo.SCHOOL, demo.XINYUAN}
    claims = SubsidyClaim.objects.filter(training_class__policy_year=live)
    assert set(claims.values_list("status", flat=True)) >= {
        "draft", "submitted", "reviewed", "approved", "publicised", "payable", "paid"}
    is_workday = workday_calendar(today - dt.timedelta(days=60), today + dt.timedelta(days=60))
    for claim in claims.filter(publicity_starts_on__isnull=False):
        day, counted = claim.publicity_starts_on, 0
        while day <= claim.publicity_ends_on:
            counted += is_workday(day)
            day += dt.timedelta(days=1)
        assert counted == live.publicity_working_days, claim


def test_a_later_run_keeps_the_live_year_of_the_day_it_was_built(seeded, monkeypatch):
    """Run again on a later day, the command plans the live year of the day it was built (kept
    as the day its draft application was made) and finds nothing to add."""
    before = row_counts()
    real = timezone.localdate
    later = real() + dt.timedelta(days=9)
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: real(value) if value else later)
    call_command("seed_demo", verbosity=0)
    assert row_counts() == before


@pytest.mark.parametrize("today", [
    dt.date(2026, 12, 1), dt.date(2026, 12, 28), dt.date(2027, 1, 2), dt.date(2027, 2, 7), dt.date(2026, 6, 6),
    dt.date(2026, 3, 16),
])
def test_the_live_plan_holds_on_any_day(today):
    """Whatever day the demo is built (a Saturday, New Year, Spring Festival, late December): the
    clerks' classes hold a session today with everything before it marked; the second instalment's
    window closed last week; claims were generated after the certificates and have taken their
    steps by today; applications still to decide start later; nobody is employed in the future."""
    archive, plan = demo.build_plans(today)
    spec = plan.spec
    assert spec.year == today.year
    for klass in plan.classes:
        status, days = klass.row.status, klass.days
        if status == "in_progress":
            assert today in days and [s.held_on for s in klass.sessions if s.held_on == today]
            assert all(s.held_on < today for s in klass.marked_sessions)
        if status in ("draft", "submitted", "returned", "approved"):
            assert days[0] > today
        if status in ("completed", "closed"):
            assert days[-1] < today
            for e in klass.enrolments:
                assert not e.employment or e.employment["started_on"] < today
    for code in (c.row.code for c in plan.classes if c.row.status == "in_progress" and c.clerk):
        assert plan.klass(code).sessions
    due = [c for c in plan.classes if c.row.status == "completed" and (c.row.code, "first") in spec.claim_days
           and (c.row.code, "second") not in spec.claim_days and add_calendar_months(c.end_on, 3) < today]
    assert {c.institution.name for c in due} == {demo.SCHOOL, demo.XINYUAN}
    for klass in due:
        assert today - dt.timedelta(days=10) <= add_calendar_months(klass.end_on, 3) < today
    for claim in spec.claims:
        klass = plan.klass(claim.code)
        assert claim.created_on >= klass.certificates_issued_on
        timeline = demo.claim_timeline(claim.created_on, claim.status)
        assert max(d for d in (timeline.submitted_on, timeline.approved_on, timeline.paid_on, claim.created_on)
                   if d) < today
    notices = [demo.claim_timeline(c.created_on, c.status) for c in spec.claims if c.status == "publicised"]
    assert sorted(t.publicity_ends_on < today <= add_calendar_months(t.publicity_ends_on, 1) for t in notices) == [
        False, True]
    assert [t for t in notices if t.publicity_starts_on <= today <= t.publicity_ends_on]
    assert len({e.certificate_number for p in (archive, plan) for c in p.classes for e in c.enrolments
                if e.certificate_number}) == sum(1 for p in (archive, plan) for c in p.classes
                                                 for e in c.enrolments if e.certificate_number)
    assert not {t.id_number for t in archive.trainees} & {t.id_number for t in plan.trainees}


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
