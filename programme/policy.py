"""The policy year's parameters as plain values, read by every rule of SPEC.md section 4.

A rule never reads settings or the database: the caller passes `PolicyParams` of the year the
rule applies to, so changing 2019's parameters never rewrites what 2018 decided.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class PolicyParams:
    year: int
    # R1 三(五): class size
    max_class_size: int = 50
    # R2 三(五): concurrent classes of one occupation at one institution
    max_parallel_classes: int = 1
    max_parallel_classes_approved: int = 2
    # R3 三(五): attendance
    min_attendance_rate: Decimal = Decimal("0.85")
    # R4 三(五): practical share of class hours
    min_practical_share: Decimal = Decimal("0.65")
    target_practical_share: Decimal = Decimal("0.70")
    # R5 四(二): duration
    standard_days: int = 10
    standard_hours: int = 80
    max_days: int = 15
    max_hours: int = 120
    max_hours_per_day: int = 8
    # R6 四(二): training subsidy per trainee and day
    full_day_rate: Decimal = Decimal("150.00")
    reduced_day_rate: Decimal = Decimal("100.00")
    full_rate_days: int = 10
    # R7 四(二): instalments and the employment window
    first_instalment_share: Decimal = Decimal("0.80")
    employment_window_months: int = 3
    # R8 四(二): job-placement reward, the provincial 职业介绍补贴 standard set by HR
    placement_reward_amount: Decimal = Decimal("0.00")
    # R11 三(七): next year's eligibility
    min_pass_rate: Decimal = Decimal("0.80")
    min_employment_rate: Decimal = Decimal("0.30")
    # R13 三(一): working age at enrolment
    min_age: int = 16
    max_age: int | None = None  # 三(一) sets no upper limit; HR may set one
    # R15 四(四): small/micro enterprise subsidy
    small_enterprise_hire_amount: Decimal = Decimal("300.00")
    small_enterprise_min_contract_months: int = 6
    small_enterprise_upgrade_amount: Decimal = Decimal("300.00")
    small_enterprise_upgrade_window_months: int = 12
    # R16: subsidised trainings per trainee and year
    max_subsidised_trainings: int = 3
    # R18: months after the certificate's issue date to claim
    claim_deadline_months: int = 12
    # R19 五(三): working days of public notice
    publicity_working_days: int = 5
    # R20 三(七): attendance while the class happens
    attendance_grace_hours: int = 24
    # 三(七) 系统监测: the supervision checks of attendance (reporting.flags)
    backfill_min_days: int = 3
    backfill_sitting_minutes: int = 30
    max_correction_share: Decimal = Decimal("0.10")
    photos_per_session: int = 1
    min_check_in_share: Decimal = Decimal("0.50")
    # 三(七) 系统监测: trainees one employer without a valid credit code may hire in a year (R23); 0 off
    uncoded_employer_max_hires: int = 3
    # 四(三): training voucher pilot
    is_voucher_pilot_on: bool = False


# --- Which rule a refusal comes from ---------------------------------------------------------
# Users read the plan's clause in a refusal's message; the rule numbers of SPEC.md §4 (R1 …)
# stay in code: here, keyed by the refusal's error code, for county HR's back office to show
# beside a message, and for tests.

RULE_OF_CODE = {
    # R1 三(五) class size
    "capacity_over_limit": "R1", "class_full": "R1",
    # R2 三(五) parallel classes
    "parallel_classes": "R2",
    # R3 三(五) attendance
    "attendance_below_threshold": "R3", "low_attendance_needs_supervision": "R3",
    # R4 三(五) practical share
    "practical_share_too_low": "R4", "practical_share_below_target": "R4",
    # R5 四(二) duration
    "too_many_days": "R5", "too_many_hours": "R5", "too_many_hours_per_day": "R5", "days_exceed_dates": "R5",
    "sessions_exceed_total_hours": "R5", "sessions_exceed_planned_days": "R5",
    # R7 四(二) instalments and the employment window
    "no_certificate": "R7", "not_employed": "R7", "employment_outside_window": "R7",
    "employment_not_verified": "R7", "second_claim_not_due": "R7", "no_first_instalment": "R7",
    # R9 四(二)、三(三) occupation
    "occupation_not_in_catalogue": "R9", "occupation_without_standard": "R9",
    # R10 三(二)、三(七) institution
    "institution_not_listed": "R10", "institution_disqualified": "R10",
    # R11 三(七) annual performance
    "year_not_closed": "R11", "next_year_missing": "R11", "figures_provisional": "R11", "classes_not_finished": "R11",
    # R12 三(六) certificates
    "level_required": "R12", "level_not_applicable": "R12", "certificate_kind_mismatch": "R12",
    "evaluation_plan_not_published": "R12", "issuer_not_county_hr": "R12", "not_the_issuer": "R12",
    "certificate_before_class_end": "R12", "occupation_mismatch": "R12",
    # R13 三(一) who may train
    "no_category": "R13", "under_age": "R13", "over_age": "R13",
    # R14 四(三) vouchers
    "voucher_pilot_off": "R14", "voucher_unknown": "R14", "voucher_used": "R14", "voucher_not_valid": "R14",
    "voucher_expired": "R14", "voucher_not_holder": "R14", "voucher_institution_not_listed": "R14",
    # R15 四(四) small and micro enterprises
    "contract_not_this_year": "R15", "contract_too_short": "R15", "hire_subsidy_missing": "R15",
    "certificate_of_another_person": "R15", "certificate_not_skill_level": "R15", "certificate_outside_year": "R15",
    # R16 a trainee's subsidised trainings
    "trainee_in_overlapping_class": "R16", "yearly_training_cap": "R16", "same_occupation_and_level": "R16",
    "lower_level_than_before": "R16",
    # R17 三(五) application documents
    "application_incomplete": "R17",
    # R18 the claim deadline
    "claim_too_late": "R18",
    # R19 五(三) public notice
    "publicity_not_over": "R19", "objection_outside_window": "R19", "publicity_backdated": "R19",
    "objection_upheld": "R19",
    # R20 三(七) attendance while the class happens
    "attendance_not_open": "R20", "attendance_window_closed": "R20", "correction_not_needed": "R20",
    "correction_reason_required": "R20", "correction_empty": "R20", "session_backdated": "R20",
    "correction_not_pending": "R20",
    # R21 三(五)、三(七) a class runs as approved
    "enrolment_closed_after_end": "R21", "enrolment_closed_unreachable": "R21", "class_start_after_end": "R21",
    "reschedule_in_past": "R21", "reschedule_outside_sessions": "R21",
    # R22 三(五) practical share delivered
    "delivered_practical_share_too_low": "R22", "delivered_practical_share_below_target": "R22",
    # R23 四(二)、三(七) real employment
    "employment_not_started": "R23", "employment_needs_note": "R23", "verification_note_required": "R23",
    "employment_in_future": "R23", "employment_before_class": "R23",
}


def rule_of(code: str | None) -> str:
    """The rule of SPEC.md §4 (such as "R1") a refusal with this error code applies; "" when the
    refusal is not one of those rules (a typing mistake, a state that does not allow the step)."""
    return RULE_OF_CODE.get(code or "", "")


# The parameters the rules R1-R23 read. Once a year has a class or a small-enterprise subsidy,
# business has been done under them and they are frozen; the supervision checks' thresholds
# (三(七) 系统监测) and the voucher pilot's switch stay adjustable.
ADJUSTABLE_PARAMETERS = frozenset({
    "year", "backfill_min_days", "backfill_sitting_minutes", "max_correction_share", "photos_per_session",
    "min_check_in_share", "uncoded_employer_max_hires", "is_voucher_pilot_on",
})
FROZEN_PARAMETERS = tuple(name for name in PolicyParams.__dataclass_fields__ if name not in ADJUSTABLE_PARAMETERS)


def parameters_frozen_reason(*, year: int, classes: int, enterprise_subsidies: int) -> str:
    """Why a year's rule parameters can no longer change ("" while they can): once a class or a
    small-enterprise subsidy of the year exists, what was approved, taught and claimed was judged
    under them, and a later change would judge the same business by two rules (《实施方案》五、
    the year's parameters are set before the year's work begins)."""
    if not classes and not enterprise_subsidies:
        return ""
    done = "、".join(part for part in (f"培训班{classes}个" if classes else "",
                                      f"小微企业补贴{enterprise_subsidies}笔" if enterprise_subsidies else "") if part)
    return (f"{year}年度已办理业务({done}),规则参数已锁定,不能修改:已审批、培训和申领的业务按这些参数办理,"
            "修改会使同一年度的业务适用两套标准。如上级政策调整,请新建政策年度或联系系统管理员记录调整依据后处理。")


def ensure_parameters_unchanged(*, changed: list[str], labels: dict[str, str], reason: str) -> None:
    """A year's frozen rule parameters (FROZEN_PARAMETERS) are not changed once `reason`
    (parameters_frozen_reason) says business has been done under them."""
    frozen = [name for name in changed if name in FROZEN_PARAMETERS]
    if reason and frozen:
        raise ValidationError("%(fields)s:%(reason)s", code="parameters_frozen",
                              params={"fields": "、".join(labels.get(name, name) for name in frozen), "reason": reason})
