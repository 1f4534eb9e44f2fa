import datetime
import os
import socket
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command

from courses.models import ClassStatus
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
REDIS = ("127.0.0.1", 6379)
# A weekday morning: the session runs 08:30-12:30 (4 class hours).
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


def redis_reachable():
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


def require_redis():
    """Redis is skipped where there is none, except in CI (CI or E2E_REQUIRED set), which has one."""
    if not redis_reachable():
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):
            pytest.fail("CI: Redis is required at 127.0.0.1:6379 for the shared-cache tests")
        pytest.skip("需要 Redis(127.0.0.1:6379)")


@pytest.fixture(autouse=True)
def own_counters(settings):
    """Counters of one test never meet another's, even where CACHE_URL points the whole run at
    Redis (which no test transaction rolls back)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture(params=["database", "redis"])
def cache_backend(request, settings):
    """The rate limits' cache as deployed: the database (default) or Redis (CACHE_URL)."""
    if request.param == "database":
        settings.CACHES = {"default": {"BACKEND": "checkin.cache.DatabaseCache", "LOCATION": "django_cache"}}
        # Already there from checkin's migration, unless this run's CACHE_URL is Redis.
        call_command("createcachetable", verbosity=0)
    else:
        require_redis()
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:6379/15",
                                       "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    yield request.param
    if request.param == "redis":
        cache.close()


@pytest.fixture
def world(db):
    """A class in progress with a session on 2026-12-01 08:30-12:30 and two trainees on its roster,
    one of them withdrawn; another institution's class in progress with a session at the same time."""
    training_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS)
    session = factories.SessionFactory(training_class=training_class, held_on=NOW.date(),
                                       starts_at=datetime.time(8, 30), hours=4)
    zhang = factories.EnrolmentFactory(training_class=training_class, trainee__name="张三",
                                       trainee__id_number="14042119900307006X")
    withdrawn = factories.EnrolmentFactory(training_class=training_class, trainee__name="李四", is_withdrawn=True,
                                           withdrawn_on=datetime.date(2026, 11, 30), withdrawal_reason="外出务工")
    other_class = factories.TrainingClassFactory(status=ClassStatus.IN_PROGRESS,
                                                 policy_year=training_class.policy_year)
    other_session = factories.SessionFactory(training_class=other_class, held_on=NOW.date(),
                                             starts_at=datetime.time(8, 30), hours=4)
    outsider = factories.TraineeFactory(name="王五")
    return type("World", (), dict(training_class=training_class, session=session, zhang=zhang, withdrawn=withdrawn,
                                  other_class=other_class, other_session=other_session, outsider=outsider))
