"""Assessment, certificates (三(六)), evaluation bodies and their plans, employment follow-up."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from certification.policy import employment_needs_scrutiny
from common.documents import HELP_TEXT, DocumentField
from courses.models import CertificateKind, SkillLevel
from institutions.validators import validate_credit_code


class EvaluationBodyKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    SOCIAL_ORGANISATION = "social_organisation", "社会组织"
    TALENT_EVALUATION = "talent_evaluation", "人才评价机构"


class EvaluationBody(models.Model):
    """An enterprise or an entrusted organisation that evaluates skill levels (三(六))."""

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=30, choices=EvaluationBodyKind.choices)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "评价机构"
        verbose_name_plural = "评价机构"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EvaluationBodyKind.values), name="certification_evaluationbody_kind_valid", violation_error_code="kind_valid",
                violation_error_message="评价机构类型无效。",
            ),
        ]

    def __str__(self):
        return self.name


class EvaluationPlan(models.Model):
    """A body's 职业技能等级评价实施方案, published by county HR before it may issue (三(六), R12)."""

    evaluation_body = models.ForeignKey(
        EvaluationBody, models.PROTECT, related_name="plans", verbose_name="评价机构"
    )
    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="evaluation_plans", verbose_name="政策年度"
    )
    title = models.CharField("方案名称", max_length=200)
    occupations = models.ManyToManyField(
        "courses.Occupation", related_name="evaluation_plans", verbose_name="覆盖的职业(工种)"
    )
    document = DocumentField("方案文件", upload_to="evaluation_plans/%Y/", blank=True, help_text=HELP_TEXT)
    published_on = models.DateField(
        "向社会公布日期", null=True, blank=True, help_text="由县人社局统一向社会公布;未公布的方案不能发证。"
    )

    class Meta:
        verbose_name = "评价实施方案"
        verbose_name_plural = "评价实施方案"
        ordering = ["-policy_year_id", "evaluation_body__name"]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.published_on is not None


class AssessmentResult(models.TextChoices):
    PASSED = "passed", "合格"
    FAILED = "failed", "不合格"
    ABSENT = "absent", "缺考"


class Assessment(models.Model):
    """The end-of-course assessment result of one enrolment (结业考核)."""

    enrolment = models.OneToOneField(
        "courses.Enrolment", models.PROTECT, related_name="assessment", verbose_name="学员名册"
    )
    result = models.CharField("考核结果", max_length=10, choices=AssessmentResult.choices)
    theory_score = models.DecimalField("理论成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    practical_score = models.DecimalField("实操成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    assessed_on = models.DateField("考核日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="录入人"
    )
    history = HistoricalRecords(verbose_name="考核结果变更记录")

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["-assessed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=AssessmentResult.values), name="certification_assessment_result_valid", violation_error_code="result_valid",
                violation_error_message="考核结果无效。",
            ),
            models.CheckConstraint(
                condition=(Q(theory_score__isnull=True) | Q(theory_score__gte=0, theory_score__lte=100))
                & (Q(practical_score__isnull=True) | Q(practical_score__gte=0, practical_score__lte=100)),
                name="certification_assessment_scores_in_range", violation_error_code="scores_in_range",
                violation_error_message="成绩应在0到100之间。",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.get_result_display()}"


class Certificate(models.Model):
    """A certificate of the kind the occupation leads to (三(六), R12)."""

    enrolment = models.ForeignKey(
        "courses.Enrolment", models.PROTECT, null=True, blank=True, related_name="certificates",
        verbose_name="学员名册", help_text="经培训取得的证书关联其培训班名册。",
    )
    trainee = models.ForeignKey("trainees.Trainee", models.PROTECT, related_name="certificates", verbose_name="持证人")
    occupation = models.ForeignKey(
        "courses.Occupation", models.PROTECT, related_name="certificates", verbose_name="职业(工种)"
    )
    kind = models.CharField("证书类型", max_length=20, choices=CertificateKind.choices)
    level = models.CharField(
        "技能等级", max_length=1, choices=SkillLevel.choices, blank=True, help_text="仅职业技能等级证书填写。"
    )
    number = models.CharField("证书编号", max_length=40, unique=True)
    evaluation_body = models.ForeignKey(
        EvaluationBody, models.PROTECT, null=True, blank=True, related_name="certificates",
        verbose_name="评价机构", help_text="职业技能等级证书由评价机构核发;其余由县人社局核发。",
    )
    issuer_name = models.CharField("发证机构", max_length=100)
    issued_on = models.DateField("发证日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="录入人"
    )
    history = HistoricalRecords(verbose_name="证书变更记录")

    class Meta:
        verbose_name = "证书"
        verbose_name_plural = "证书"
        ordering = ["-issued_on", "-pk"]
        indexes = [
            # The admin list's order (newest first) read straight from the index.
            models.Index(fields=["-issued_on", "-id"], name="certificate_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CertificateKind.values), name="certification_certificate_kind_valid", violation_error_code="kind_valid",
                violation_error_message="证书类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(kind=CertificateKind.SKILL_LEVEL, level__in=SkillLevel.values,
                            evaluation_body__isnull=False)
                | Q(kind=CertificateKind.QUALIFICATION, evaluation_body__isnull=True,
                    level__in=["", *SkillLevel.values])
                | Q(kind__in=[CertificateKind.SPECIAL_ABILITY, CertificateKind.TRAINING], level="",
                    evaluation_body__isnull=True),
                name="certification_certificate_level_matches_kind", violation_error_code="level_matches_kind",
                violation_error_message="职业技能等级证书须填写五个等级之一并由评价机构核发;国家职业资格证书可填等级,"
                "由县人社局核发;专项职业能力证书和培训合格证书不分等级,由县人社局核发(R12《实施方案》三(六))。",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"


class EvidenceKind(models.TextChoices):
    CONTRACT = "contract", "劳动合同"
    SOCIAL_INSURANCE = "social_insurance", "社保缴费记录"
    EMPLOYER_LETTER = "employer_letter", "用人单位证明"


# Written by migration 0007 on records verified before R23 asked for a note: not HR's note.
LEGACY_VERIFICATION_NOTE = "(本记录在要求写明核实说明之前已核实,当时未写核实说明;请县人社局复核后补写。)"


class EmploymentRecord(models.Model):
    """Employment after training (R7 second instalment, R8 reward, R11 employment rate)."""

    trainee = models.ForeignKey("trainees.Trainee", models.PROTECT, related_name="employment", verbose_name="学员")
    enrolment = models.ForeignKey(
        "courses.Enrolment", models.PROTECT, null=True, blank=True, related_name="employment",
        verbose_name="学员名册", help_text="就业所对应的培训。",
    )
    employer_name = models.CharField("用人单位", max_length=100)
    employer_credit_code = models.CharField(
        "用人单位统一社会信用代码", max_length=18, blank=True, validators=[validate_credit_code]
    )
    started_on = models.DateField("就业日期")
    contract_months = models.PositiveSmallIntegerField("合同期限(月)", null=True, blank=True)
    evidence_kind = models.CharField("证明材料", max_length=20, choices=EvidenceKind.choices)
    evidence_file = DocumentField("证明文件", upload_to="employment/%Y/", blank=True, help_text=HELP_TEXT)
    is_employer_the_institution = models.BooleanField(
        "用人单位为培训机构本身", default=False, editable=False, help_text="系统自动标记,需重点核查。"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="录入人"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="核实人"
    )
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verification_note = models.TextField(
        "核实说明", blank=True,
        help_text="用人单位为培训机构本身或无有效统一社会信用代码的,县人社局须写明核实情况后才能核实"
                  "(《实施方案》四(二)、三(七))。",
    )
    history = HistoricalRecords(verbose_name="就业记录变更记录")

    class Meta:
        verbose_name = "就业记录"
        verbose_name_plural = "就业记录"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evidence_kind__in=EvidenceKind.values), name="certification_employmentrecord_evidence_valid", violation_error_code="evidence_valid",
                violation_error_message="证明材料类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_at__isnull=True)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="certification_employmentrecord_verification_complete", violation_error_code="verification_complete",
                violation_error_message="核实人与核实时间须同时填写。",
            ),
            # R23: what the database can see of "needs scrutiny" (the check character of a code
            # that is filled in is the service's to judge).
            models.CheckConstraint(
                condition=Q(is_employer_the_institution=False) & ~Q(employer_credit_code="")
                | Q(verified_at__isnull=True) | ~Q(verification_note=""),
                name="certification_employmentrecord_scrutiny_noted", violation_error_code="verification_note_required",
                violation_error_message="用人单位为培训机构本身或未填写统一社会信用代码的就业记录,须写明核实说明才能核实"
                "(《实施方案》四(二)、三(七))。",
            ),
        ]

    def __str__(self):
        return f"{self.trainee.name} · {self.employer_name} {self.started_on}"

    @property
    def needs_scrutiny(self) -> str:
        """Why HR must verify this record with a written note (R23), or ""."""
        return employment_needs_scrutiny(employer_is_institution=self.is_employer_the_institution,
                                         credit_code=self.employer_credit_code)

    @property
    def is_verified_for_payment(self) -> bool:
        """Verified by HR, with the written note R23 asks for where the record needs scrutiny
        (a record verified before notes were required has none, or the migration's marker, and
        does not count until HR verifies it again with a note)."""
        noted = self.verification_note.strip() not in ("", LEGACY_VERIFICATION_NOTE)
        return self.verified_at is not None and (noted or not self.needs_scrutiny)
