import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests import factories, leakwatch


@pytest.fixture
def policy_year(db):
    return factories.PolicyYearFactory(year=2018)


@pytest.fixture
def hr(db):
    return factories.hr_user()


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def live_figures(settings):
    """Dashboard figures recomputed on every request, so a test sees the data it just made
    (tests/test_dashboard.py covers the snapshot itself)."""
    settings.FIGURES_MAX_AGE = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session):
    leakwatch.start()


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove locking and concurrency; SQLite has neither row locks nor
    concurrent writers, so there they are skipped with the reason. Tests marked `last` run after
    all the others (they inspect what the whole run left behind); the tests of the shared demo
    county run first, together."""
    # The demo county's tests first and together (one build, see below), `last` ones at the end.
    items.sort(key=lambda item: (0 if uses_demo_county(item) else 1) if "last" not in item.keywords else 2)

    if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="需要 PostgreSQL(行锁与并发);设置 DATABASE_URL=postgres://... 后运行")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- One demo county per run ------------------------------------------------------------------
# `manage.py seed_demo` takes about 20 seconds; the tests that read the demo county share one,
# built before the first of them inside a transaction that stays open while they run (each test's
# own transaction nests inside it and rolls back what the test wrote) and rolled back after the
# last of them. They are run together, before every other test, so no other test sees it.

_DEMO = {"atomic": None, "today": None, "blocker": None, "media": None}


def uses_demo_county(item) -> bool:
    return "demo_county" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session", autouse=True)
def _demo_county_of_the_run(request, tmp_path_factory):
    """Builds the shared demo county before the first test when any selected test reads it (those
    run first); `pytest_runtest_teardown` rolls it back after the last of them."""
    if not any(uses_demo_county(item) for item in request.session.items):
        yield
        return

    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    media = tmp_path_factory.mktemp("demo-media")
    with blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        with override_settings(DEBUG=True, MEDIA_ROOT=media,
                               PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("seed_demo", verbosity=0)
    _DEMO.update(atomic=atomic, today=timezone.localdate(), blocker=blocker, media=media)
    yield
    if _DEMO["atomic"] is not None:
        _drop_demo_county()


def _drop_demo_county():
    with _DEMO["blocker"].unblock():
        transaction.set_rollback(True)
        _DEMO["atomic"].__exit__(None, None, None)
    _DEMO.update(atomic=None, today=None, blocker=None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if _DEMO["atomic"] is not None and (nextitem is None or not uses_demo_county(nextitem)):
        _drop_demo_county()


@pytest.fixture
def demo_county(db, settings):
    """The demo county of `manage.py seed_demo` (built once per run, see above); returns the day
    it was built for. A test may write: its writes are rolled back after it."""
    assert _DEMO["atomic"] is not None, "the demo county's tests run first and together (conftest.py)"
    settings.MEDIA_ROOT = _DEMO["media"]
    return _DEMO["today"]
