import os

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
    (tests/reporting/test_dashboard.py covers the snapshot itself)."""
    settings.FIGURES_MAX_AGE = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session):
    leakwatch.start()


def pytest_sessionfinish(session):
    """With LEAKWATCH_DIR set (`make test`), each process that ran tests leaves its log there for
    the `last` test, which runs in a later process (tests/test_zz_log_leak.py)."""

    directory = os.environ.get("LEAKWATCH_DIR")
    xdist_controller = getattr(session.config.option, "numprocesses", None) and not in_xdist_worker(session.config)
    if directory and not xdist_controller:
        leakwatch.save(directory, f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}")


def in_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove locking and concurrency; SQLite has neither row locks nor
    concurrent writers, so there they are skipped with the reason. Tests marked `last` run after
    all the others (they inspect what the whole run left behind); the tests of the shared demo
    county run first, together."""
    # The demo county's tests first and together (one build, see below), `last` ones at the end.
    items.sort(key=lambda item: (0 if uses_demo_county(item) else 1) if "last" not in item.keywords else 2)
    # Under `-n 2 --dist loadgroup` (`make test`) they all go to one process, which builds it once.
    for item in items:
        if uses_demo_county(item):
            item.add_marker(pytest.mark.xdist_group("demo_county"))

    # In one of pytest-xdist's processes a `last` test would see that process's share of the run
    # only: `make test` runs them in a process of their own after the others.
    if in_xdist_worker(config):
        split = pytest.mark.skip(reason="pytest -n 下整次运行分在多个进程:make test 在其后的单独进程中运行本测试")
        for item in items:
            if "last" in item.keywords:
                item.add_marker(split)

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


@pytest.fixture(scope="session")
def _demo_county_of_the_run(django_db_setup, django_db_blocker, tmp_path_factory):
    """Builds the shared demo county before the first test that reads it (those run first, and
    under `-n` in one process of their own: `--dist loadgroup`, see below), so a process that runs
    none of them never builds it; `pytest_runtest_teardown` rolls it back after the last of them."""
    blocker = django_db_blocker
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
def demo_county(_demo_county_of_the_run, db, settings):
    """The demo county of `manage.py seed_demo` (built once per run, see above); returns the day
    it was built for. A test may write: its writes are rolled back after it."""
    assert _DEMO["atomic"] is not None, "the demo county's tests run first and together (conftest.py)"
    settings.MEDIA_ROOT = _DEMO["media"]
    return _DEMO["today"]


# --- Data built once for a module ---------------------------------------------------------------

def built_once_for_the_module(build, django_db_blocker, tmp_path_factory):
    """For a module- or class-scoped fixture (`yield from` it): what `build()` writes stays for its
    tests, as Django's setUpTestData does. It is written inside a transaction that each test's own
    nests in (a test's writes are rolled back after it) and that is rolled back after the last of
    them. The objects it returns are shared: a test must not change them in memory. Not for a
    module with transactional tests (they empty the tables) or with the demo county's."""
    assert _DEMO["atomic"] is None, "the demo county's transaction is open"
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        with django_db_blocker.unblock(), override_settings(
                MEDIA_ROOT=tmp_path_factory.mktemp("module-media"),
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            value = build()
        yield value
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
