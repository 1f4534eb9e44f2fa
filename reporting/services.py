"""Applying the annual institution performance (R11) to next year's eligibility."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.scope import require_hr, scope_of
from courses.models import TrainingClass
from courses.policy import FINISHED_STATUSES
from institutions.models import InstitutionYear
from programme.models import PolicyYear
from reporting.policy import ensure_figures_final
from reporting.selectors import annual_performance, figures_status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from common.jobs import Progress
    from institutions.models import TrainingInstitution
    from reporting.policy import Performance

APPLYING = "把机构年度绩效用于下一年度资格"


def next_policy_year(policy_year: PolicyYear) -> PolicyYear:
    """The year whose eligibility R11 decides, or a refusal saying to open it first."""
    next_year = PolicyYear.objects.filter(year=policy_year.pk + 1).first()
    if next_year is None:
        raise ValidationError("请先开启%(year)d年度,再把绩效结果用于下一年度资格(《实施方案》三(七))。", code="next_year_missing",
                              params={"year": policy_year.pk + 1})
    return next_year


def ensure_annual_performance_applicable(policy_year: PolicyYear, *, by: User, today: date) -> None:
    """The refusals of apply_annual_performance that need none of its work (county HR only, final
    figures, next year open), in two queries: the review page checks them before it queues the
    work in the background, so these refusals come at once."""
    require_hr(by, action=APPLYING)
    ensure_figures_final(figures_status(policy_year, today=today))
    next_policy_year(policy_year)


@transaction.atomic
def apply_annual_performance(policy_year: PolicyYear, *, by: User, today: date | None = None,
                             progress: Progress | None = None) -> list[tuple[TrainingInstitution, Performance]]:
    """R11 《实施方案》三(七): once the year is closed and its figures are final (every class ended
    and every employment window passed, reporting.policy.annual_figures_status), every
    institution below the pass or employment rate is disqualified for the next year (its
    InstitutionYear row records the numbers, written as the performance page writes them).
    Refuses provisional figures naming the date they become final. `today` is the county's
    date by default. Returns the (institution, performance) pairs that lost eligibility.
    `progress` (a background job's, common.jobs) hears how far it has got."""
    require_hr(by, action=APPLYING)
    if progress is not None:
        progress.update(0, 0, stage="计算各机构绩效")
    # The year's row as stored now (closed or not), locked so two officers applying at once
    # write next year's rows one after the other.
    policy_year = PolicyYear.objects.select_for_update().get(pk=policy_year.pk)
    # County HR review their county's classes; HR of the whole deployment every county's.
    county_id = scope_of(by).county_id
    results = annual_performance(policy_year, today=today, county_id=county_id)
    ensure_figures_final(results.status)
    next_year = next_policy_year(policy_year)
    classes = TrainingClass.objects.filter(policy_year=policy_year, status__in=FINISHED_STATUSES)
    counties_of: dict[int, set[int]] = defaultdict(set)
    for institution_id, class_county in classes.values_list("institution_id", "county_id").distinct():
        if county_id is None or class_county == county_id:
            counties_of[institution_id].add(class_county)
    losers: list[tuple[TrainingInstitution, Performance]] = []
    for number, (institution, performance) in enumerate(results):
        if progress is not None:
            progress.update(number, len(results), stage="写入下一年度资格")
        if performance.keeps_eligibility:
            continue
        # Next year's listing in each county where it trained this year (三(二): one per county).
        for class_county in sorted(counties_of[institution.pk]):
            row, _ = InstitutionYear.objects.get_or_create(institution=institution, policy_year=next_year,
                                                           county_id=class_county)
            row.is_disqualified = True
            row.disqualification_reason = (f"{policy_year.pk}年度" + "、".join(performance.reasons)
                                           + f"(结业{performance.completed}人,取证{performance.certified}人,"
                                             f"就业{performance.employed}人;《实施方案》三(七))")[:200]
            row.full_clean()
            row.save()
        losers.append((institution, performance))
    return losers
