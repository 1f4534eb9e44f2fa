"""Admin lists that stay fast at province scale: estimated counts unfiltered, no deep pages,
prefix search through indexes, per-row figures computed for the page's rows only."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.admin_mixins import LargeTablePaginator
from programme.admin import PolicyYearAdmin
from reporting import dashboard
from reporting.models import FigureSnapshot
from tests import factories

pytestmark = pytest.mark.django_db


def test_name_search_matches_from_the_first_character_through_the_index(hr_client):
    wanted = factories.TraineeFactory(name="郭建平", phone="13911112222")
    factories.TraineeFactory(name="李郭建")
    url = reverse("admin:trainees_trainee_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = hr_client.get(url, {"q": "郭建"})
    assert list(response.context["cl"].result_list) == [wanted]
    search_sql = next(q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"] and "trainees_trainee" in q["sql"])
    assert "UPPER" not in search_sql and "%%郭建" not in search_sql
    assert list(hr_client.get(url, {"q": "139111"}).context["cl"].result_list) == [wanted]


def test_enrolment_search_by_trainee_name_or_class_code(hr_client):
    enrolment = factories.EnrolmentFactory(trainee__name="王秀英", training_class__code="2018-HD-007")
    factories.EnrolmentFactory(trainee__name="张王五")
    url = reverse("admin:courses_enrolment_changelist")
    assert list(hr_client.get(url, {"q": "王秀"}).context["cl"].result_list) == [enrolment]
    assert list(hr_client.get(url, {"q": "2018-HD"}).context["cl"].result_list) == [enrolment]


def test_per_row_figures_are_right(hr_client):
    trainee = factories.TraineeFactory()
    trainee.categories.create(category="veteran", held_from="2018-01-01")
    factories.EnrolmentFactory(trainee=trainee)
    factories.EnrolmentFactory(trainee=trainee, is_withdrawn=True, withdrawn_on="2018-06-02",
                               withdrawal_reason="外出务工")
    row = hr_client.get(reverse("admin:trainees_trainee_changelist")).context["cl"].result_list[0]
    assert (row._category_count, row._enrolment_count) == (2, 1)


@pytest.mark.postgres
def test_unfiltered_lists_use_the_planners_estimate_and_stop_at_the_last_allowed_page(hr_client, monkeypatch):
    factories.TraineeFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trainees_trainee")
    monkeypatch.setattr(LargeTablePaginator, "estimate_above", 0)
    monkeypatch.setattr(LargeTablePaginator, "max_pages", 2)
    monkeypatch.setattr("trainees.admin.TraineeAdmin.list_per_page", 2)
    url = reverse("admin:trainees_trainee_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = hr_client.get(url)
    assert response.status_code == 200
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in queries.captured_queries)
    assert any("reltuples" in q["sql"] for q in queries.captured_queries)
    assert response.context["cl"].paginator.num_pages == 2
    assert hr_client.get(url, {"p": "3"})["Location"].endswith("?e=1")  # past the last allowed page
    filtered = hr_client.get(url, {"q": "学员"})
    assert filtered.context["cl"].result_count == 5  # searched: counted exactly


def test_a_provinces_township_targets_are_edited_in_their_own_list(hr_client, monkeypatch):
    year = factories.PolicyYearFactory(year=2018)
    for _ in range(3):
        factories.TownshipTargetFactory(policy_year=year)
    url = reverse("admin:programme_policyyear_change", args=[2018])
    assert "township_targets-TOTAL_FORMS" in hr_client.get(url).content.decode()  # a county: inline
    monkeypatch.setattr(PolicyYearAdmin, "max_inline_township_targets", 2)
    page = hr_client.get(url).content.decode()
    assert "township_targets-TOTAL_FORMS" not in page and "乡镇年度任务" in page
    listing = hr_client.get(reverse("admin:programme_townshiptarget_changelist"),
                            {"policy_year__year__exact": 2018})
    assert listing.status_code == 200 and len(listing.context["cl"].result_list) == 3


def test_code_search_ignores_case_width_and_spaces(hr_client):
    enrolment = factories.EnrolmentFactory(training_class__code="2018-HD-007")
    url = reverse("admin:courses_enrolment_changelist")
    for typed in ("2018-hd", "２０１８－ＨＤ", " 2018 -HD "):
        assert list(hr_client.get(url, {"q": typed}).context["cl"].result_list) == [enrolment], typed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_while_one_process_refreshes_the_figures_the_others_serve_the_old_ones(settings):
    settings.FIGURES_MAX_AGE = 60
    year = factories.PolicyYearFactory(year=2018)
    dashboard.refresh(year)
    FigureSnapshot.objects.filter(policy_year=year).update(computed_at=timezone.now() - datetime.timedelta(hours=1),
                                                           data={"marker": "old"})
    holding, release, served = threading.Event(), threading.Event(), {}

    def refresher():  # another process, busy recomputing: it holds the year's lock

        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [dashboard._LOCK, dashboard._lock_key(year, None)])
            holding.set()
            release.wait(10)
            cursor.execute("COMMIT")
        connection.close()

    def visitor():
        served["data"], served["at"] = dashboard.snapshot(year)
        connections.close_all()

    busy = threading.Thread(target=refresher)
    busy.start()
    holding.wait(10)
    reader = threading.Thread(target=visitor)
    reader.start()
    reader.join(10)
    release.set()
    busy.join(10)
    assert served["data"] == {"marker": "old"}  # served at once, not recomputed
    assert dashboard.snapshot(year)[0] != {"marker": "old"}  # the lock free: recomputed
