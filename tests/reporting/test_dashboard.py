"""The HR dashboard: its numbers match direct counts, it renders with charts, exports, HR only."""

import datetime
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from certification import services as certification
from courses.models import Enrolment
from reporting import dashboard
from reporting.models import FigureSnapshot
from tests import factories
from tests.jobs import run_queued_jobs
from tests.scenarios import START, completed_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(policy_year):
    first = completed_class(trainees=3)
    second = completed_class(trainees=2, certified=False, target_line=first.target_line)
    record = certification.record_employment(first.enrolments.first(), by=first.clerk, employer_name="某公司", employer_credit_code=factories.credit_code(6),
                                             started_on=START + datetime.timedelta(days=30), evidence_kind="contract")
    certification.verify_employment(record, by=first.officer)
    factories.TownshipTargetFactory(township=first.enrolments.first().trainee.township, policy_year=policy_year)
    return first, second


def test_figures_match_direct_counts(county, policy_year):
    first, second = county
    data = dashboard.figures(policy_year)
    line = next(row for row in data["lines"] if row[0] == first.target_line.name)
    enrolled = Enrolment.objects.filter(training_class__target_line=first.target_line, is_withdrawn=False)
    assert line[2:] == (enrolled.count(), enrolled.count(), enrolled.filter(certificates__isnull=False).count(), 1)
    assert line[2:] == (5, 5, 3, 1)
    statuses = dict(data["statuses"])
    assert statuses["已结业"] == 2
    league = {row[0]: row for row in data["league"]}

    assert league[first.institution.name][1:4] == (3, Decimal("1.000"), Decimal("0.333"))
    assert league[second.institution.name][2] == 0


def test_dashboard_renders_charts_and_exports(county, hr_client, policy_year):
    page = hr_client.get(reverse("admin:dashboard")).content.decode()
    assert "<svg" in page and "年度任务进度" in page and "培训机构合格率与就业率" in page
    response = hr_client.get(reverse("admin:dashboard") + "?export=league")
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[1][0] == "培训机构" and len(rows) == 4
    # Rates exported as the page and the chart write them (one formatter), not as raw shares.
    first, _ = county
    exported = next(row for row in rows[2:] if row[0] == first.institution.name)
    assert exported[2:4] == ("100.0%", "33.3%")
    assert "33.3%" in page and "33.33" not in page


def test_dashboard_is_hr_only(client, county):
    first, _ = county
    client.force_login(first.clerk)
    assert client.get(reverse("admin:dashboard")).status_code == 302


def test_pages_read_the_years_snapshot_until_it_is_refreshed(county, policy_year, client, settings):
    settings.FIGURES_MAX_AGE = 600
    client.force_login(factories.hr_user("hr_snapshot"))
    first = client.get(reverse("admin:dashboard"))
    snapshot = FigureSnapshot.objects.get(policy_year=policy_year)
    assert "统计截至" in first.content.decode()
    assert first.context["data"]["lines"] == [list(row) for row in dashboard.figures(policy_year)["lines"]]
    before = first.context["data"]["certificates"]
    extra = completed_class(trainees=2, target_line=county[0].target_line)  # two more certified people
    assert client.get(reverse("admin:dashboard")).context["data"]["certificates"] == before  # the snapshot
    out = StringIO()
    call_command("refresh_figures", stdout=out)
    assert "年度统计已更新" in out.getvalue()
    assert client.get(reverse("admin:dashboard")).context["data"]["certificates"] == before + 2
    assert client.get(reverse("public-home")).context["data"]["certificates"] == before + 2
    snapshot.refresh_from_db()
    assert snapshot.seconds >= 0 and extra.pk
    # Money keeps its exact value through the snapshot.
    assert all(isinstance(row[5], Decimal) for row in client.get(reverse("admin:dashboard")).context["data"]["league"])


def test_stale_figures_too_long_for_a_request_are_shown_and_refreshed_by_the_worker(county, policy_year, client,
                                                                                    settings):
    """A province's figures take over a minute: a page never recomputes them in its request (a
    worker's timeout would answer 500); it shows the stale ones with their time and queues one
    refresh, which the worker runs."""
    settings.FIGURES_MAX_AGE, settings.FIGURES_IN_REQUEST_SECONDS = 600, 5
    dashboard.refresh(policy_year)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    FigureSnapshot.objects.filter(policy_year=policy_year).update(computed_at=an_hour_ago, seconds=76.7)
    before = FigureSnapshot.objects.get(policy_year=policy_year).data["certificates"]
    completed_class(trainees=2, target_line=county[0].target_line)  # two more certified people
    page = client.get(reverse("public-home"))
    assert page.status_code == 200 and page.context["computed_at"] == an_hour_ago
    assert page.context["data"]["certificates"] == before
    client.get(reverse("public-home"))  # a second visitor meanwhile: no second refresh queued
    assert DBTaskResult.objects.count() == 1
    assert run_queued_jobs() == 1
    refreshed = FigureSnapshot.objects.get(policy_year=policy_year)
    assert refreshed.computed_at > an_hour_ago and refreshed.data["certificates"] == before + 2


def test_stale_figures_quick_to_compute_are_still_recomputed_by_the_page(county, policy_year, client, settings):
    settings.FIGURES_MAX_AGE, settings.FIGURES_IN_REQUEST_SECONDS = 600, 5
    dashboard.refresh(policy_year)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    FigureSnapshot.objects.filter(policy_year=policy_year).update(computed_at=an_hour_ago, seconds=0.2)
    page = client.get(reverse("public-home"))
    assert page.context["computed_at"] > an_hour_ago and not DBTaskResult.objects.exists()
