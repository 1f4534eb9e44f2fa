"""`manage.py reconcile_claims`: check the money against itself.

Every approved, publicised, payable or paid claim's total equals the sum of its lines (amounts
plus job-placement rewards), every line's amounts are what R6 and R7 give for its training days,
and no trainee's instalment sits on two live lines of claims that were not rejected. Exits with status 1, naming each row, when anything disagrees.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, Sum

from programme.models import PolicyYear
from subsidies.models import ClaimLine, ClaimStatus, SubsidyClaim
from subsidies.policy import split_instalments, training_subsidy

CHECKED = [ClaimStatus.APPROVED, ClaimStatus.PUBLICISED, ClaimStatus.PAYABLE, ClaimStatus.PAID]


class Command(BaseCommand):
    help = "核对补贴申领:已审批及以后各状态的申领金额等于明细之和,同一学员同一批次补贴只申领一次。"

    def handle(self, *args, **options):
        problems = []
        claims = SubsidyClaim.objects.filter(status__in=CHECKED).annotate(
            line_amount=Sum("lines__amount", filter=Q(lines__is_void=False)),
            line_reward=Sum("lines__placement_reward_amount", filter=Q(lines__is_void=False)),
        ).select_related("training_class")
        for claim in claims:
            expected = (claim.line_amount or Decimal(0)) + (claim.line_reward or Decimal(0))
            if claim.total_amount != expected:
                problems.append(
                    f"申领 #{claim.pk}({claim.training_class.code} {claim.get_instalment_display()}):"
                    f"申领金额 {claim.total_amount} 元,明细合计 {expected} 元"
                )
        params = {}
        lines = ClaimLine.objects.filter(is_void=False, claim__status__in=CHECKED).values_list(
            "pk", "training_days", "total_subsidy_amount", "first_amount", "second_amount",
            "claim__training_class__policy_year_id")
        for pk, days, total, first, second, year in lines.iterator():
            if year not in params:
                params[year] = PolicyYear.objects.get(pk=year).params()
            expected = training_subsidy(days=days, p=params[year])
            if (total, (first, second)) != (expected, split_instalments(expected, p=params[year])):
                problems.append(f"申领明细 #{pk}:{days}天应为 {expected} 元(R6、R7),记录为 {total} 元({first} + {second})")
        duplicates = (
            ClaimLine.objects.filter(is_void=False).exclude(claim__status=ClaimStatus.REJECTED)
            .values("enrolment_id", "instalment").annotate(n=Count("pk")).filter(n__gt=1)
        )
        for row in duplicates:
            ids = list(ClaimLine.objects.filter(enrolment_id=row["enrolment_id"], instalment=row["instalment"],
                                                is_void=False).values_list("pk", flat=True))
            problems.append(f"学员名册 #{row['enrolment_id']} 的{row['instalment']}批次补贴重复申领:申领明细 #{ids}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"发现 {len(problems)} 处不一致,请核查。")
        self.stdout.write(f"核对完成:{claims.count()} 笔申领金额与明细一致,没有重复申领。")
