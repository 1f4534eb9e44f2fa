"""The rate limits' counters hold across processes: `add` then `incr` on the shared cache never
loses a count, on the database cache (our atomic incr) and on Redis."""

import threading
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from checkin.services import count_attempt
from tests.checkin.conftest import NOW, require_redis

THREADS, EACH = 8, 25


def test_a_counter_starts_at_one_and_counts_up(db, cache_backend):
    assert [count_attempt("address", "10.0.0.1", now=NOW) for _ in range(3)] == [1, 2, 3]
    assert count_attempt("address", "10.0.0.2", now=NOW) == 1


def test_incr_of_a_missing_or_expired_key_raises_as_django_documents(db, cache_backend):
    with pytest.raises(ValueError):
        cache.incr("checkin:nothing-here")
    cache.set("checkin:gone", 1, timeout=-1)
    with pytest.raises(ValueError):
        cache.incr("checkin:gone")


def _hammer(key):
    cache.add(key, 0, timeout=60)
    errors = []

    def work():
        try:
            for _ in range(EACH):
                cache.incr(key)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_the_database_cache_lose_no_count(settings):
    """8 writers, each with its own connection (as gunicorn processes have), 25 increments each."""
    settings.CACHES = {"default": {"BACKEND": "checkin.cache.DatabaseCache", "LOCATION": "django_cache"}}
    call_command("createcachetable", verbosity=0)
    errors = _hammer("checkin:race")
    assert errors == []
    assert cache.get("checkin:race") == THREADS * EACH
    cache.delete("checkin:race")


def test_concurrent_writers_on_redis_lose_no_count(settings):
    require_redis()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": f"test-race-{uuid.uuid4().hex}"}}
    cache.delete("checkin:race")
    errors = _hammer("checkin:race")
    assert errors == []
    assert cache.get("checkin:race") == THREADS * EACH
    cache.delete("checkin:race")
