"""Reports and public pages read from the replica when one is configured; writes never do."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.routers import REPLICA, ReplicaRouter, reading_from_replica
from tests import factories
from trainees.models import Trainee


def test_without_a_replica_everything_reads_from_default(monkeypatch):
    monkeypatch.setattr(connections, "settings", {k: v for k, v in connections.settings.items() if k != REPLICA})
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Trainee) is None


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """A second alias on the (test) database, as a streaming replica would be; added before each
    test's database set-up so the test may use it."""
    connections.settings[REPLICA] = {**connections.settings["default"]}
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def test_the_router_sends_reads_to_the_replica_only_inside_reading_from_replica(replica):
    router = ReplicaRouter()
    assert router.db_for_read(Trainee) is None
    with reading_from_replica():
        assert router.db_for_read(Trainee) == REPLICA
        assert router.db_for_write(Trainee) == "default"
    assert router.allow_migrate(REPLICA, "trainees") is False and router.allow_migrate("default", "trainees")


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_public_page_and_the_dashboard_read_from_the_replica(replica, client, settings):
    settings.FIGURES_MAX_AGE = 600
    factories.PolicyYearFactory(year=2018)
    factories.TraineeFactory()
    with CaptureQueriesContext(connections["default"]) as on_default:
        client.get(reverse("public-home"))  # no snapshot yet: computed, and written to the primary
    assert any(q["sql"].startswith("INSERT") for q in on_default.captured_queries)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_default:
        assert client.get(reverse("public-home")).status_code == 200
    assert len(on_replica.captured_queries) >= 5 and len(on_default.captured_queries) == 0
    client.force_login(factories.hr_user())
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_default:
        assert client.get(reverse("admin:dashboard")).status_code == 200
    assert len(on_replica.captured_queries) >= 3  # the year, the years, the snapshot
    # Signing in (the session and the user) stays on the primary.
    assert any("django_session" in q["sql"] for q in on_default.captured_queries)
    assert not any("django_session" in q["sql"] for q in on_replica.captured_queries)
    # Other pages read from the primary.
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(reverse("admin:trainees_trainee_changelist")).status_code == 200
    assert on_replica.captured_queries == []
