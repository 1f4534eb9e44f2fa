"""Applying the annual institution performance (R11) to next year's eligibility."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.scope import require_hr
from institutions.models import InstitutionYear
from programme.models import PolicyYear
from reporting.policy import ensure_figures_final
from reporting.selectors import annual_performance

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from institutions.models import TrainingInstitution
    from reporting.policy import Performance


@transaction.atomic
def apply_annual_performance(policy_year: PolicyYear, *, by: User,
                             today: date | None = None) -> list[tuple[TrainingInstitution, Performance]]:
    """R11 《实施方案》三(七): once the year is closed and its figures are final (every class ended
    and every employment window passed, reporting.policy.annual_figures_status), every
    institution below the pass or employment rate is disqualified for the next year (its
    InstitutionYear row records the numbers, written as the performance page writes them).
    Refuses provisional figures naming the date they become final. `today` is the county's
    date by default. Returns the (institution, performance) pairs that lost eligibility."""
    require_hr(by, action="把机构年度绩效用于下一年度资格")
    # The year's row as stored now (closed or not), locked so two officers applying at once
    # write next year's rows one after the other.
    policy_year = PolicyYear.objects.select_for_update().get(pk=policy_year.pk)
    results = annual_performance(policy_year, today=today)
    ensure_figures_final(results.status)
    next_year = PolicyYear.objects.filter(year=policy_year.pk + 1).first()
    if next_year is None:
        raise ValidationError("请先开启%(year)d年度,再把绩效结果用于下一年度资格(《实施方案》三(七))。", code="next_year_missing",
                              params={"year": policy_year.pk + 1})
    losers: list[tuple[TrainingInstitution, Performance]] = []
    for institution, performance in results:
        if performance.keeps_eligibility:
            continue
        row, _ = InstitutionYear.objects.get_or_create(institution=institution, policy_year=next_year)
        row.is_disqualified = True
        row.disqualification_reason = (f"{policy_year.pk}年度" + "、".join(performance.reasons)
                                       + f"(结业{performance.completed}人,取证{performance.certified}人,"
                                         f"就业{performance.employed}人;《实施方案》三(七))")[:200]
        row.full_clean()
        row.save()
        losers.append((institution, performance))
    return losers
