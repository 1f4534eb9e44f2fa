"""Subsidy rules (《实施方案》四). Pure: values in, values out; money is Decimal to the fen."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from skills_program.policy import PolicyParams

CENT = Decimal("0.01")


def training_subsidy(*, days: int, p: PolicyParams) -> Decimal:
    """R6 《实施方案》四(二): subsidy per trainee for `days` delivered training days.

    The first `p.full_rate_days` days earn `p.full_day_rate` (150 yuan), later days up to
    `p.max_days` earn `p.reduced_day_rate` (100 yuan); days past `p.max_days` earn nothing
    (R5 refuses them at application).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    paid_days = min(days, p.max_days)
    full = min(paid_days, p.full_rate_days)
    reduced = max(0, paid_days - p.full_rate_days)
    return (p.full_day_rate * full + p.reduced_day_rate * reduced).quantize(CENT, ROUND_HALF_UP)


def split_instalments(total: Decimal, *, p: PolicyParams) -> tuple[Decimal, Decimal]:
    """R7 《实施方案》四(二): the first instalment is `p.first_instalment_share` (80 %) of the
    total rounded half-up to the fen; the second is the rest, so first + second = total exactly."""
    first = (total * p.first_instalment_share).quantize(CENT, ROUND_HALF_UP)
    return first, total - first


def add_calendar_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's end (31 May + 3 = 31 Aug)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def employment_window_ends_on(class_end_on: date, *, p: PolicyParams) -> date:
    """R7 《实施方案》四(二) 3个月内实现就业: the last day of the employment window, counted in
    calendar months from the class end date (30 Nov 2018 -> 28 Feb 2019)."""
    return add_calendar_months(class_end_on, p.employment_window_months)


def small_enterprise_subsidy_amount(*, stage: str, p: PolicyParams) -> Decimal:
    """R15 《实施方案》四(四): 300 yuan per new hire on a contract of at least 6 months (stage
    "hire"); 300 more when the hire obtains a certificate or rises one level (stage "upgrade")."""
    if stage == "hire":
        return p.small_enterprise_hire_amount
    if stage == "upgrade":
        return p.small_enterprise_upgrade_amount
    raise ValueError(f"unknown stage {stage!r}")
