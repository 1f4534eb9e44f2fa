"""Subsidy claims with their lines (四(二)) and small/micro
enterprise subsidies (四(四)). Money is Decimal yuan to the fen."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from common.documents import HELP_TEXT, DocumentField
from institutions.validators import validate_credit_code
from programme.models import county_field
from subsidies.enterprise_size import SMALL_OR_MICRO, EnterpriseIndustry, EnterpriseSize

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Instalment(models.TextChoices):
    FIRST = "first", "首期(取得证书后)"
    SECOND = "second", "二期(就业后,含就业奖励)"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    REVIEWED = "reviewed", "已初审"
    APPROVED = "approved", "已审批"
    PUBLICISED = "publicised", "公示中"
    PAYABLE = "payable", "待拨付"
    PAID = "paid", "已拨付"
    REJECTED = "rejected", "不予拨付"


class SubsidyClaim(models.Model):
    """补贴申领: an institution's claim for one class and one instalment, reviewed and approved
    by two different HR officers (four eyes), publicised (R19), then paid."""

    institution = models.ForeignKey(
        "institutions.TrainingInstitution", models.PROTECT, related_name="claims", verbose_name="培训机构"
    )
    training_class = models.ForeignKey(
        "courses.TrainingClass", models.PROTECT, related_name="claims", verbose_name="培训班"
    )
    instalment = models.CharField("拨付批次", max_length=10, choices=Instalment.choices)
    status = models.CharField("状态", max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    total_amount = models.DecimalField("申领金额(元)", default=Decimal("0.00"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="生成人"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="提交人"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    first_submitted_on = models.DateField(
        "首次提交日期", null=True, blank=True, editable=False,
        help_text="申领期限(R18)按首次提交之日计算:退回修改后再次提交不改变。",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="初审人"
    )
    reviewed_at = models.DateTimeField("初审时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="审批人"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    publicity_starts_on = models.DateField("公示开始日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="拨付经办人"
    )
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)
    payment_reference = models.CharField("拨付凭证号", max_length=50, blank=True)
    return_reason = models.TextField("退回或不予拨付原因", blank=True)
    supervision_inspection = models.ForeignKey(
        "institutions.Inspection", models.PROTECT, null=True, blank=True, related_name="claims",
        verbose_name="督导检查", help_text="到课率低于年度到课率下限的班级,审批前须关联督导检查记录(R3)。",
    )
    supervision_note = models.TextField("督导处理意见", blank=True)
    history = HistoricalRecords(verbose_name="补贴申领变更记录")

    class Meta:
        verbose_name = "补贴申领"
        verbose_name_plural = "补贴申领"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="subsidies_subsidyclaim_status_valid", violation_error_code="status_valid",
                violation_error_message="申领状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(instalment__in=Instalment.values), name="subsidies_subsidyclaim_instalment_valid", violation_error_code="instalment_valid",
                violation_error_message="拨付批次无效。",
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="subsidies_subsidyclaim_amount_not_negative", violation_error_code="amount_not_negative",
                violation_error_message="申领金额不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | Q(approved_by__isnull=True)
                | ~Q(reviewed_by=F("approved_by")),
                name="subsidies_subsidyclaim_four_eyes", violation_error_code="four_eyes",
                violation_error_message="初审人和审批人必须是两个不同的人。",
            ),
        ]

    def __str__(self):
        return f"{self.training_class.code} {self.get_instalment_display()} {self.get_status_display()}"


class ClaimLine(models.Model):
    """One trainee on a claim: the amount and the reason it is payable.

    `total_subsidy_amount` is the trainee's whole training subsidy (R6); `first_amount` and
    `second_amount` are its 80/20 split (R7), which always add up to the total to the fen.
    """

    claim = models.ForeignKey(SubsidyClaim, models.PROTECT, related_name="lines", verbose_name="补贴申领")
    enrolment = models.ForeignKey(
        "courses.Enrolment", models.PROTECT, related_name="claim_lines", verbose_name="学员名册"
    )
    instalment = models.CharField("拨付批次", max_length=10, choices=Instalment.choices)
    training_days = models.PositiveSmallIntegerField("培训天数")
    total_subsidy_amount = models.DecimalField("培训补贴总额(元)", **MONEY)
    first_amount = models.DecimalField("首期金额(元)", **MONEY)
    second_amount = models.DecimalField("二期金额(元)", **MONEY)
    amount = models.DecimalField("本次申领培训补贴(元)", **MONEY)
    placement_reward_amount = models.DecimalField("就业奖励(元)", default=Decimal("0.00"), **MONEY)
    reason = models.CharField("拨付依据", max_length=200)
    certificate = models.ForeignKey(
        "certification.Certificate", models.PROTECT, null=True, blank=True, related_name="claim_lines",
        verbose_name="证书",
    )
    employment = models.ForeignKey(
        "certification.EmploymentRecord", models.PROTECT, null=True, blank=True, related_name="claim_lines",
        verbose_name="就业记录",
    )
    voucher = models.ForeignKey(
        "courses.Voucher", models.PROTECT, null=True, blank=True, related_name="claim_lines", verbose_name="培训券",
        help_text="凭培训券报名的,记录所用培训券(《实施方案》四(三))。",
    )
    is_void = models.BooleanField("已剔除", default=False, help_text="公示异议成立、审核剔除或申领不予拨付时剔除。")
    void_reason = models.CharField("剔除原因", max_length=300, blank=True)
    held_by = models.ForeignKey(
        "institutions.Flag", models.PROTECT, null=True, blank=True, related_name="held_lines",
        verbose_name="暂缓拨付的异常提示",
        help_text="学员或培训班有未处理的异常提示时,该学员暂缓拨付,异常处理后可在以后的申领中重新申领(《实施方案》三(七))。",
    )
    history = HistoricalRecords(verbose_name="申领明细变更记录")

    class Meta:
        verbose_name = "申领明细"
        verbose_name_plural = "申领明细"
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_amount__gte=0) & Q(second_amount__gte=0) & Q(amount__gte=0)
                & Q(placement_reward_amount__gte=0) & Q(total_subsidy_amount__gte=0),
                name="subsidies_claimline_amounts_not_negative", violation_error_code="amounts_not_negative", violation_error_message="金额不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(total_subsidy_amount=F("first_amount") + F("second_amount")),
                name="subsidies_claimline_instalments_add_up", violation_error_code="instalments_add_up",
                violation_error_message="首期与二期金额之和必须等于培训补贴总额(R7《实施方案》四(二))。",
            ),
            models.CheckConstraint(
                condition=Q(instalment=Instalment.FIRST, amount=F("first_amount"), placement_reward_amount=0)
                | Q(instalment=Instalment.SECOND, amount=F("second_amount")),
                name="subsidies_claimline_amount_matches_instalment", violation_error_code="amount_matches_instalment",
                violation_error_message="本次申领金额必须等于该批次应拨金额;就业奖励只在二期拨付。",
            ),
            models.CheckConstraint(
                condition=Q(is_void=False) | ~Q(void_reason=""),
                name="subsidies_claimline_void_has_reason", violation_error_code="void_has_reason", violation_error_message="剔除须写明原因。",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "instalment"], condition=Q(is_void=False),
                name="subsidies_claimline_once_per_trainee_class_and_instalment", violation_error_code="once_per_trainee_class_and_instalment",
                violation_error_message="该学员本班此批次补贴已申领,不能重复申领。",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.get_instalment_display()} {self.amount}元"


class ObjectionChannel(models.TextChoices):
    COUNTER = "counter", "窗口、电话或信函(县人社局登记)"
    ONLINE = "online", "公示页面网上提交"


class ClaimObjection(models.Model):
    """An objection received while a claim's lines are on public notice (R19, 五(三)); an
    upheld objection removes the line before payment."""

    line = models.ForeignKey(ClaimLine, models.PROTECT, related_name="objections", verbose_name="申领明细")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=50, blank=True, help_text="可匿名。")
    channel = models.CharField("提出方式", max_length=10, choices=ObjectionChannel.choices,
                               default=ObjectionChannel.COUNTER)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True, help_text="仅供县人社局核查时联系异议人。")
    content = models.TextField("异议内容")
    is_upheld = models.BooleanField("异议成立", null=True, blank=True, help_text="未处理时留空。")
    decision_note = models.TextField("处理意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="登记人",
        help_text="网上提交的异议没有登记人。",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="处理人"
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="公示异议变更记录")

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_upheld__isnull=True, decided_by__isnull=True, decided_at__isnull=True)
                | Q(is_upheld__isnull=False, decided_by__isnull=False, decided_at__isnull=False),
                name="subsidies_claimobjection_decision_complete", violation_error_code="decision_complete",
                violation_error_message="异议处理须同时记录结论、处理人和处理时间。",
            ),
            models.CheckConstraint(
                condition=Q(channel=ObjectionChannel.ONLINE) | Q(recorded_by__isnull=False),
                name="subsidies_claimobjection_counter_has_recorder", violation_error_code="counter_has_recorder",
                violation_error_message="县人社局登记的异议须记录登记人。",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ObjectionChannel.values), name="subsidies_claimobjection_channel_valid",
                violation_error_code="channel_valid", violation_error_message="异议提出方式无效。",
            ),
        ]

    def __str__(self):
        return f"{self.line} 异议({self.received_on})"


class EnterpriseSubsidyStage(models.TextChoices):
    HIRE = "hire", "新招用(签订规定期限以上劳动合同)"
    UPGRADE = "upgrade", "规定期限内取证或提升一个技能等级"


class EnterpriseSubsidyStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    REVIEWED = "reviewed", "已初审"
    APPROVED = "approved", "已审批"
    PAID = "paid", "已拨付"
    REJECTED = "rejected", "不予拨付"


class SmallEnterpriseSubsidy(models.Model):
    """小微企业培训补贴 (四(四), R15): 300 yuan per new hire on a contract of at least 6 months,
    300 more if within 1 year the hire obtains a certificate or rises one level.

    The enterprise is small or micro by the national standard for its industry (工信部联企业
    〔2011〕300号), classified by services.record_small_enterprise_subsidy from the figures HR
    records with their evidence; `enterprise_size` is that stored result, never typed.
    """

    enterprise_name = models.CharField("企业名称", max_length=100)
    enterprise_credit_code = models.CharField(
        "统一社会信用代码", max_length=18, validators=[validate_credit_code]
    )
    industry = models.CharField(
        "所属行业", max_length=30, choices=EnterpriseIndustry.choices, blank=True,
        help_text="按《中小企业划型标准规定》(工信部联企业〔2011〕300号)的行业填写,决定按哪些数据划型。",
    )
    employees = models.PositiveIntegerField(
        "从业人员(人)", null=True, blank=True, help_text="企业最近一个年度的从业人员数(如社保缴费人数)。"
    )
    revenue_10k = models.DecimalField(
        "营业收入(万元)", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text="企业最近一个年度的营业收入,单位万元。",
    )
    assets_10k = models.DecimalField(
        "资产总额(万元)", max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="建筑业、房地产开发经营、租赁和商务服务业按资产总额划型,单位万元。",
    )
    figures_year = models.PositiveSmallIntegerField(
        "数据所属年度", null=True, blank=True,
        help_text="劳动合同签订上一年度;当年新设立的企业填合同签订当年。",
    )
    size_evidence = DocumentField(
        "划型数据证明材料", upload_to="enterprise_size/%Y/", blank=True,
        help_text="财务报表、纳税申报表、社保缴费人数证明等。" + HELP_TEXT,
    )
    enterprise_size = models.CharField(
        "企业规模", max_length=10, choices=EnterpriseSize.choices, blank=True, editable=False,
        help_text="系统按所属行业和数据划型(工信部联企业〔2011〕300号),不能手工填写。",
    )
    hire = models.ForeignKey(
        "trainees.Trainee", models.PROTECT, related_name="enterprise_subsidies", verbose_name="新招用人员",
        help_text="须先在学员信息中登记身份证号。",
    )
    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="enterprise_subsidies", verbose_name="政策年度"
    )
    county = county_field("enterprise_subsidies")
    contract_starts_on = models.DateField("劳动合同起始日期")
    contract_months = models.PositiveSmallIntegerField("劳动合同期限(月)")
    stage = models.CharField("补贴环节", max_length=10, choices=EnterpriseSubsidyStage.choices)
    certificate = models.ForeignKey(
        "certification.Certificate", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="取得的证书", help_text="取证或升级环节填写。",
    )
    amount = models.DecimalField("补贴金额(元)", **MONEY)
    status = models.CharField(
        "状态", max_length=20, choices=EnterpriseSubsidyStatus.choices, default=EnterpriseSubsidyStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="录入人"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="初审人"
    )
    reviewed_at = models.DateTimeField("初审时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="审批人"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)
    payment_reference = models.CharField("拨付凭证号", max_length=50, blank=True)
    return_reason = models.TextField("退回或不予拨付原因", blank=True)
    history = HistoricalRecords(verbose_name="小微企业补贴变更记录")

    class Meta:
        verbose_name = "小微企业培训补贴"
        verbose_name_plural = "小微企业培训补贴"
        ordering = ["-contract_starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="subsidies_smallenterprisesubsidy_amount_not_negative", violation_error_code="amount_not_negative",
                violation_error_message="补贴金额不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=EnterpriseSubsidyStage.values), name="subsidies_smallenterprisesubsidy_stage_valid", violation_error_code="stage_valid",
                violation_error_message="补贴环节无效。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnterpriseSubsidyStatus.values),
                name="subsidies_smallenterprisesubsidy_status_valid", violation_error_code="status_valid", violation_error_message="状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(stage=EnterpriseSubsidyStage.HIRE, certificate__isnull=True)
                | Q(stage=EnterpriseSubsidyStage.UPGRADE, certificate__isnull=False),
                name="subsidies_smallenterprisesubsidy_certificate_for_upgrade", violation_error_code="certificate_for_upgrade",
                violation_error_message="取证或升级环节须关联证书;新招用环节不关联证书。",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | Q(approved_by__isnull=True)
                | ~Q(reviewed_by=F("approved_by")),
                name="subsidies_smallenterprisesubsidy_four_eyes", violation_error_code="four_eyes",
                violation_error_message="初审人和审批人必须是两个不同的人。",
            ),
            models.UniqueConstraint(
                fields=["enterprise_credit_code", "hire", "stage"],
                condition=~Q(status=EnterpriseSubsidyStatus.REJECTED),
                name="subsidies_smallenterprisesubsidy_once_per_hire_and_stage", violation_error_code="once_per_hire_and_stage",
                violation_error_message="该企业此人该环节补贴已申领。",
            ),
            models.CheckConstraint(
                condition=Q(industry__in=["", *EnterpriseIndustry.values]),
                name="subsidies_smallenterprisesubsidy_industry_valid", violation_error_code="industry_valid",
                violation_error_message="所属行业无效(工信部联企业〔2011〕300号):请从列表中选择。",
            ),
            models.CheckConstraint(
                condition=(Q(employees__isnull=True) | Q(employees__gte=0))
                & (Q(revenue_10k__isnull=True) | Q(revenue_10k__gte=0))
                & (Q(assets_10k__isnull=True) | Q(assets_10k__gte=0)),
                name="subsidies_smallenterprisesubsidy_figures_not_negative", violation_error_code="figures_not_negative",
                violation_error_message="从业人员、营业收入和资产总额不能为负数。",
            ),
            # R15 pays small and micro enterprises only: a medium or large one is refused, never stored.
            models.CheckConstraint(
                condition=Q(enterprise_size="") | (Q(enterprise_size__in=sorted(SMALL_OR_MICRO)) & ~Q(industry="")),
                name="subsidies_smallenterprisesubsidy_size_small_or_micro", violation_error_code="size_small_or_micro",
                violation_error_message="小微企业培训补贴只支持经划型为小型、微型的企业(《实施方案》四(四),"
                                        "工信部联企业〔2011〕300号)。",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise_name} · {self.hire.name} · {self.get_stage_display()}"
