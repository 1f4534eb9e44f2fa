"""The query-count header that `bench_pages` reads is there only when a benchmark server asks."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_query_count_header_only_when_switched_on(settings):
    assert "X-Query-Count" not in Client().get("/healthz")
    settings.QUERY_COUNT_HEADER = True
    response = Client().get("/healthz")
    assert response["X-Query-Count"] == "1"  # SELECT 1
