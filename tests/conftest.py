import pytest

from tests import factories


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
    from tests import leakwatch

    leakwatch.start()


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove locking and concurrency; SQLite has neither row locks nor
    concurrent writers, so there they are skipped with the reason. Tests marked `last` run after
    all the others (they inspect what the whole run left behind)."""
    from django.conf import settings as django_settings

    items.sort(key=lambda item: "last" in item.keywords)

    if django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="需要 PostgreSQL(行锁与并发);设置 DATABASE_URL=postgres://... 后运行")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
