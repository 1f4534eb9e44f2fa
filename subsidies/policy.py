"""Subsidy rules (《实施方案》四). Pure: values in, values out; money is Decimal to the fen."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

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


def ensure_voucher_usable(*, status: str, expires_on: date, holder_id: int, trainee_id: int | None,
                          is_pilot_on: bool, institution_listed: bool, today: date) -> None:
    """R14 《实施方案》四(三): a voucher names its holder, is used once, only by that holder, only
    before expiry, at an institution on the county's list."""
    if not is_pilot_on:
        raise ValidationError(
            "本年度未开展培训券试点(《实施方案》四(三)):请按乡镇推荐方式报名。", code="voucher_pilot_off"
        )
    if status == "redeemed":
        raise ValidationError("该培训券已经使用过,每张券只能使用一次(R14《实施方案》四(三))。", code="voucher_used")
    if status != "issued":
        raise ValidationError("该培训券已作废或过期,不能使用(R14《实施方案》四(三)):请持券人到乡镇重新申领。",
                              code="voucher_not_valid")
    if today > expires_on:
        raise ValidationError(
            "该培训券已于%(day)s过期(R14《实施方案》四(三)):请持券人到乡镇重新申领。",
            code="voucher_expired", params={"day": expires_on},
        )
    if trainee_id is not None and trainee_id != holder_id:
        raise ValidationError("培训券只能由持券人本人使用(R14《实施方案》四(三)):身份证号与持券人不符。",
                              code="voucher_not_holder")
    if not institution_listed:
        raise ValidationError("培训券只能在县公布的培训机构清单内使用(R14《实施方案》四(三))。",
                              code="voucher_institution_not_listed")
