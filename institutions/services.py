"""Applying the annual institution performance (R11) to next year's eligibility."""

from django.core.exceptions import ValidationError
from django.db import transaction

from institutions.models import InstitutionYear
from institutions.selectors import annual_performance
from skills_program.models import PolicyYear


@transaction.atomic
def apply_annual_performance(policy_year, *, by):
    """R11 《实施方案》三(七): after a year closes, every institution below the pass or employment
    rate is disqualified for the next year (its InstitutionYear row records the numbers).
    Returns the (institution, performance) pairs that lost eligibility."""
    from accounts.scope import scope_of
    from subsidies.policy import ensure_hr_officer

    ensure_hr_officer(is_hr=scope_of(by).is_hr)
    if not policy_year.is_closed:
        raise ValidationError("%(year)d年度尚未结束:请先在政策年度中勾选「已结束」,再计算机构年度绩效(《实施方案》三(七))。",
                              code="year_not_closed", params={"year": policy_year.pk})
    next_year = PolicyYear.objects.filter(year=policy_year.pk + 1).first()
    if next_year is None:
        raise ValidationError("请先开启%(year)d年度,再把绩效结果用于下一年度资格(《实施方案》三(七))。", code="next_year_missing",
                              params={"year": policy_year.pk + 1})
    losers = []
    for institution, performance in annual_performance(policy_year):
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
