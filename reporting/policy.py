"""R11 《实施方案》三(七): an institution's yearly results decide next year's eligibility. Pure."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError

from common.numbers import rate_text, share_text
from courses.policy import employment_window_ends_on
from programme.policy import PolicyParams

# A rate is kept to a tenth of a percent, the precision every page writes it in (28.5%), so the
# value compared with the threshold is the value shown.
RATE_STEP = Decimal("0.001")


@dataclass(frozen=True)
class Performance:
    completed: int
    certified: int
    employed: int
    pass_rate: Decimal | None
    employment_rate: Decimal | None
    keeps_eligibility: bool
    reasons: tuple

    @property
    def pass_rate_text(self) -> str:
        return rate_text(self.pass_rate)

    @property
    def employment_rate_text(self) -> str:
        return rate_text(self.employment_rate)


def performance_rate(part: int, whole: int) -> Decimal | None:
    """R11 《实施方案》三(七): a pass or employment rate, part ÷ whole, computed and rounded ONCE,
    to a tenth of a percent (0.001) and downwards: 2 of 7 (28.571…%) is 0.285, written "28.5%".

    Every use reads this value: the comparison with the threshold, the admin table, the reason
    stored on next year's row, the dashboard's league table, its chart and its export. Rounding
    down keeps the plan's 不达80%: 79.96 % does not reach 80 % and is never written "80.0%"; and
    while the thresholds are whole tenths of a percent (80 %, 30 %), comparing the rounded value
    decides exactly as comparing the exact fraction would. (A threshold set finer, 79.95 %, is
    still compared with the rounded rate, so the page and the decision never disagree.) None
    when nobody completed."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_STEP, ROUND_DOWN)


def institution_performance(*, completed: int, certified: int, employed: int, p: PolicyParams) -> Performance:
    """R11 《实施方案》三(七) 凡当年培训合格率不达80%、就业率不达30%的,取消下一年度承担政府补贴性
    培训任务资格: pass rate = certified ÷ completed trainees, employment rate = employed within the
    window ÷ completed trainees (performance_rate: rounded once, compared rounded); below either
    threshold loses next year's eligibility, exactly at it keeps it. An institution that
    completed no trainees has nothing to judge and keeps it."""
    pass_rate, employment_rate = performance_rate(certified, completed), performance_rate(employed, completed)
    reasons = []
    if pass_rate is not None and pass_rate < p.min_pass_rate:
        reasons.append(f"培训合格率{rate_text(pass_rate)}低于{share_text(p.min_pass_rate)}")
    if employment_rate is not None and employment_rate < p.min_employment_rate:
        reasons.append(f"就业率{rate_text(employment_rate)}低于{share_text(p.min_employment_rate)}")
    return Performance(completed=completed, certified=certified, employed=employed, pass_rate=pass_rate,
                       employment_rate=employment_rate, keeps_eligibility=not reasons, reasons=tuple(reasons))


def counts_as_employed(*, started_on: datetime.date, is_verified: bool, class_start_on: datetime.date,
                       class_end_on: datetime.date, today: datetime.date, p: PolicyParams) -> bool:
    """R11 《实施方案》三(七)'s employment rate counts employment as R23 (《实施方案》四(二)、三(七))
    and R7 do: verified by county HR (三(七) 杜绝弄虚作假), started on or after the class's start
    (边培训边就业 counts), never in the future, and by the last day of the R7 window counted in
    calendar months from the class end. The class dates are the actual ones, else the planned."""
    return (is_verified and class_start_on <= started_on <= today
            and started_on <= employment_window_ends_on(class_end_on, p=p))


@dataclass(frozen=True)
class FiguresStatus:
    """Whether a year's R11 figures are final, and if not, why and from when.

    `final_on` is the first day the figures are final: the day after the last employment window
    of the year's classes ends (for classes not yet ended, the earliest such day: as if they
    ended today). None when the year has no class that counts. `problems` are (code, message,
    params), the first of which apply_annual_performance raises."""

    is_final: bool
    final_on: datetime.date | None
    last_window_ends_on: datetime.date | None
    unfinished_classes: int
    problems: tuple = field(default=())

    @property
    def is_provisional(self) -> bool:
        return not self.is_final

    @property
    def messages(self) -> list[str]:
        return [message % params for _, message, params in self.problems]


def annual_figures_status(*, is_year_closed: bool, last_class_end_on: datetime.date | None,
                          unfinished_classes: int, today: datetime.date, p: PolicyParams) -> FiguresStatus:
    """R11 《实施方案》三(七) (SPEC.md R11): a year's pass and employment rates are final, and may
    decide next year's eligibility, only once the year is closed, every class of the year has
    ended (`unfinished_classes`: approved or in progress; cancelled and rejected ones never
    count) and the R7 employment window of the last class to end has passed. Until then they
    are provisional (暂定).

    `last_class_end_on` is the latest end date (actual, else planned) over the year's classes.
    The window includes its last day (employment starting that day counts, R7), so the figures
    are final from the day AFTER it: provisional on the window's last day, final the next."""
    end_on = last_class_end_on
    if unfinished_classes:
        # A class not yet ended ends today at the earliest.
        end_on = max(end_on or today, today)
    window_ends_on = employment_window_ends_on(end_on, p=p) if end_on else None
    final_on = window_ends_on + datetime.timedelta(days=1) if window_ends_on else None
    problems = []
    if unfinished_classes:
        problems.append((
            "classes_not_finished",
            "%(year)d年度还有%(count)d个培训班未结业,机构年度绩效为暂定数字,不能用于下一年度资格"
            "(《实施方案》三(七)):请待这些培训班结业(或撤销)且就业认定期结束后再计算,最早于%(final_on)s。",
            {"year": p.year, "count": unfinished_classes, "final_on": final_on},
        ))
    elif final_on and today < final_on:
        problems.append((
            "figures_provisional",
            "%(year)d年度培训班的就业认定期到%(window_ends_on)s才全部结束,机构年度绩效为暂定数字,不能用于下一年度资格"
            "(《实施方案》三(七)):请于%(final_on)s起再计算。",
            {"year": p.year, "window_ends_on": window_ends_on, "final_on": final_on},
        ))
    if not is_year_closed:
        problems.append((
            "year_not_closed",
            "%(year)d年度尚未结束:请先在政策年度中勾选「已结束」,再计算机构年度绩效(《实施方案》三(七))。",
            {"year": p.year},
        ))
    return FiguresStatus(is_final=not problems, final_on=final_on, last_window_ends_on=window_ends_on,
                         unfinished_classes=unfinished_classes, problems=tuple(problems))


def ensure_figures_final(status: FiguresStatus) -> None:
    """R11 《实施方案》三(七): refuse to decide next year's eligibility on provisional figures
    (annual_figures_status), naming the date they become final and what to do."""
    if status.problems:
        code, message, params = status.problems[0]
        raise ValidationError(message, code=code, params=params)
