"""The server log stays readable: a refused request (403) is one line, the security log's, with no
traceback; other 4xx keep one line without a traceback; a crash keeps its traceback."""

import logging
import sys

import pytest
from django.urls import reverse

from skills_program.log_filters import OneLinePerRefusal
from tests import factories

pytestmark = pytest.mark.django_db


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def log_lines():
    """Every record that reaches a handler of the loggers a refusal goes through, after the
    loggers' own filters (as the console handler would receive them)."""
    handler = Collect()
    names = ("django.request", "django.server", "skills_program.security")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler.records
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_403_is_one_line_without_a_traceback(client, log_lines):
    client.force_login(factories.township_user(factories.TownshipFactory(), username="official_403"))
    assert client.get(reverse("courses:class-list")).status_code == 403
    lines = [record.getMessage() for record in log_lines if record.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert lines[0].startswith("permission denied user=") and "(official_403) role=township GET /institution/classes/" in lines[0]
    assert all(record.exc_info is None for record in log_lines)


def test_the_filter_is_on_djangos_request_and_server_loggers():
    for name in ("django.request", "django.server"):
        assert any(isinstance(f, OneLinePerRefusal) for f in logging.getLogger(name).filters), name


@pytest.mark.parametrize(("status", "kept", "traceback"), [(403, False, False), (400, True, False),
                                                           (404, True, False), (500, True, True)])
def test_refusals_lose_their_traceback_crashes_keep_it(status, kept, traceback):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Refused: %s", ("/x/",),
                                   sys.exc_info())
    record.status_code = status
    assert OneLinePerRefusal().filter(record) is kept
    if kept:
        assert (record.exc_info is not None) is traceback
