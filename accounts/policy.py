"""Who may decide: the one home of the HR-only check (SPEC.md §1, 《实施方案》三(七)). Pure."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def ensure_hr(*, is_hr: bool, action: str) -> None:
    """Only county HR staff `action` (approve classes, review and pay claims, verify employment,
    resolve flags, apply the annual review): a clerk, a township or an evaluation body never decides
    on what they submitted (《实施方案》三(七) 加强培训监管)."""
    if not is_hr:
        raise ValidationError("只有县人社局工作人员可以%(action)s。", code="not_hr", params={"action": action})


def ensure_may_supervise(*, is_hr: bool, is_supervisor: bool, action: str) -> None:
    """County HR and the city's and province's supervisors `action` (record an inspection, resolve a
    flag): the one thing supervisors do besides reading (SPEC.md §1, 《实施方案》三(七) 督导检查)."""
    if not (is_hr or is_supervisor):
        raise ValidationError("只有县人社局工作人员或市、省人社督导可以%(action)s。", code="not_supervisor",
                              params={"action": action})


def ensure_own_county(*, acts: bool, action: str) -> None:
    """County HR `action` only on their own county's business (SPEC.md §1: county HR staff act
    only within their county); the business of another county is its own HR's."""
    if not acts:
        raise ValidationError("只能%(action)s本县(市、区)的业务:这项业务属于其他县(市、区),由该县人社局办理。",
                              code="not_own_county", params={"action": action})
