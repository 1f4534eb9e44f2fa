"""R11 《实施方案》三(七): an institution's yearly results decide next year's eligibility. Pure."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from skills_program.numbers import rate_text
from skills_program.policy import PolicyParams


@dataclass(frozen=True)
class Performance:
    completed: int
    certified: int
    employed: int
    pass_rate: Decimal | None
    employment_rate: Decimal | None
    keeps_eligibility: bool
    reasons: tuple


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_DOWN) if whole else None


def institution_performance(*, completed: int, certified: int, employed: int, p: PolicyParams) -> Performance:
    """R11 《实施方案》三(七) 凡当年培训合格率不达80%、就业率不达30%的,取消下一年度承担政府补贴性
    培训任务资格: pass rate = certified ÷ completed trainees, employment rate = employed within the
    window ÷ completed trainees; below either threshold loses next year's eligibility. An
    institution that completed no trainees has nothing to judge and keeps it."""
    pass_rate, employment_rate = _rate(certified, completed), _rate(employed, completed)
    reasons = []
    if pass_rate is not None and pass_rate < p.min_pass_rate:
        reasons.append(f"培训合格率{rate_text(pass_rate)}低于{p.min_pass_rate * 100:.0f}%")
    if employment_rate is not None and employment_rate < p.min_employment_rate:
        reasons.append(f"就业率{rate_text(employment_rate)}低于{p.min_employment_rate * 100:.0f}%")
    return Performance(completed=completed, certified=certified, employed=employed, pass_rate=pass_rate,
                       employment_rate=employment_rate, keeps_eligibility=not reasons, reasons=tuple(reasons))
