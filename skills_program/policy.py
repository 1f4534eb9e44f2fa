"""The policy year's parameters as plain values, read by every rule of SPEC.md section 4.

A rule never reads settings or the database: the caller passes `PolicyParams` of the year the
rule applies to, so changing 2019's parameters never rewrites what 2018 decided.
"""

from dataclasses import dataclass
from decimal import Decimal


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
    # 四(三): training voucher pilot
    is_voucher_pilot_on: bool = False
