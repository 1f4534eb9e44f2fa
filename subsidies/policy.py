"""Subsidy rules that later services build on. Pure: values in, values out."""

from decimal import Decimal

from skills_program.policy import PolicyParams


def small_enterprise_subsidy_amount(*, stage: str, p: PolicyParams) -> Decimal:
    """R15 《实施方案》四(四): 300 yuan per new hire on a contract of at least 6 months (stage
    "hire"); 300 more when the hire obtains a certificate or rises one level (stage "upgrade")."""
    if stage == "hire":
        return p.small_enterprise_hire_amount
    if stage == "upgrade":
        return p.small_enterprise_upgrade_amount
    raise ValueError(f"unknown stage {stage!r}")
