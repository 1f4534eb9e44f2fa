from datetime import date

from django.utils import timezone

from programme.models import PolicyYear


def current_policy_year(today: date | None = None) -> PolicyYear | None:
    """The policy year of today's date, else the latest one opened (None when none exists)."""
    today = today or timezone.localdate()
    years = PolicyYear.objects.order_by("-year")
    return years.filter(year=today.year).first() or years.first()


def year_asked(value: str) -> int | None:
    """The year a `?year=` parameter names, None when it is absent or not plain ASCII digits."""
    return int(value) if value.isascii() and value.isdigit() else None
