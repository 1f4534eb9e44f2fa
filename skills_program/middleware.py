"""`X-Query-Count` on every response, for `manage.py bench_pages` against a running server.

Off unless the environment sets QUERY_COUNT_HEADER=true (benchmark servers only): the header says
nothing secret, but production has no use for it.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection


class QueryCountHeaderMiddleware:
    def __init__(self, get_response):
        if not settings.QUERY_COUNT_HEADER:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
