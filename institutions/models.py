"""Training institutions, their yearly eligibility (三(二), 三(七)) and inspections (三(七))."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from institutions.validators import normalise_credit_code, validate_credit_code
from programme.models import county_field


class InstitutionKind(models.TextChoices):
    """The kinds of provider named in 《实施方案》三(二) and 三(四)."""

    HIGHER_VOCATIONAL = "higher_vocational", "高等职业院校"
    SECONDARY_SPECIALISED = "secondary_specialised", "中等专业学校"
    TECHNICAL = "technical", "技工院校"
    VOCATIONAL_HIGH = "vocational_high", "职业高中"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    PRIVATE_SCHOOL = "private_school", "民办职业培训学校"
    EMPLOYER = "employer", "用人单位"
    HR_SERVICE = "hr_service", "人力资源服务企业"


class ResponsibleTitle(models.TextChoices):
    PRESIDENT = "president", "院长"
    PRINCIPAL = "principal", "校长"
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人"


class TrainingInstitution(models.Model):
    name = models.CharField("机构名称", max_length=100, unique=True)
    kind = models.CharField("机构类型", max_length=30, choices=InstitutionKind.choices)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code],
        help_text="18位,见营业执照或事业单位法人证书。",
    )
    responsible_person = models.CharField(
        "第一责任人", max_length=50, help_text="院长、校长或法定代表人是培训组织实施和质量监管的第一责任人(《实施方案》三(七))。"
    )
    responsible_title = models.CharField("责任人职务", max_length=30, choices=ResponsibleTitle.choices)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    township = models.ForeignKey(
        "programme.Township", models.SET_NULL, null=True, blank=True, related_name="institutions",
        verbose_name="所在乡镇",
    )

    class Meta:
        verbose_name = "培训机构"
        verbose_name_plural = "培训机构"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InstitutionKind.values), name="institutions_traininginstitution_kind_valid", violation_error_code="kind_valid",
                violation_error_message="机构类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(responsible_title__in=ResponsibleTitle.values),
                name="institutions_traininginstitution_title_valid", violation_error_code="title_valid", violation_error_message="责任人职务无效。",
            ),
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-Z]{18}$"),
                name="institutions_traininginstitution_credit_code_format", violation_error_code="credit_code_format",
                violation_error_message="统一社会信用代码应为18位数字或大写字母。",
            ),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        self.credit_code = normalise_credit_code(self.credit_code)
        super().clean_fields(exclude=exclude)


class InstitutionYear(models.Model):
    """Whether an institution may run subsidised classes in a year (R10): it is on the county's
    list chosen from the city's public tender (三(二)) and has not lost eligibility (三(七))."""

    institution = models.ForeignKey(TrainingInstitution, models.CASCADE, related_name="years", verbose_name="培训机构")
    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="institution_years", verbose_name="政策年度"
    )
    county = county_field("institution_years")
    is_listed = models.BooleanField("列入本县培训机构名单", default=True, help_text="从市人社局公开招标产生的机构中选定(《实施方案》三(二))。")
    tender_reference = models.CharField("招标文件或批次", max_length=100, blank=True)
    is_disqualified = models.BooleanField(
        "取消承担资格", default=False,
        help_text="上一年度培训合格率或就业率低于该年度规定的下限,或弄虚作假的,取消承担政府补贴性培训任务资格(《实施方案》三(七))。",
    )
    disqualification_reason = models.CharField("取消资格原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "机构年度资格"
        verbose_name_plural = "机构年度资格"
        ordering = ["-policy_year_id", "institution__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "county", "policy_year"], name="institutions_institutionyear_one_per_county_year",
                violation_error_code="one_per_year", violation_error_message="该机构在本县本年度的资格已登记。",
            ),
            models.CheckConstraint(
                condition=Q(is_disqualified=False) | ~Q(disqualification_reason=""),
                name="institutions_institutionyear_disqualification_has_reason", violation_error_code="disqualification_has_reason",
                violation_error_message="取消资格必须写明原因。",
            ),
        ]

    def __str__(self):
        return f"{self.policy_year_id}年"

    @property
    def may_open_classes(self):
        return self.is_listed and not self.is_disqualified


class InspectionMethod(models.TextChoices):
    """The supervision methods of 《实施方案》三(七)."""

    ON_SITE = "on_site", "实地检查"
    SYSTEM = "system", "系统监测"
    VIDEO = "video", "视频调阅"


class Inspection(models.Model):
    """督导检查 of a class or an institution (三(七))."""

    institution = models.ForeignKey(
        TrainingInstitution, models.PROTECT, related_name="inspections", verbose_name="培训机构"
    )
    training_class = models.ForeignKey(
        "courses.TrainingClass", models.PROTECT, null=True, blank=True, related_name="inspections",
        verbose_name="培训班", help_text="检查整个机构时留空。",
    )
    inspected_on = models.DateField("检查日期")
    method = models.CharField("检查方式", max_length=20, choices=InspectionMethod.choices)
    findings = models.TextField("检查发现")
    follow_up = models.TextField("整改要求及落实情况", blank=True)
    is_compliant = models.BooleanField("检查合格", default=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="inspections", verbose_name="检查人"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "督导检查"
        verbose_name_plural = "督导检查"
        ordering = ["-inspected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=InspectionMethod.values), name="institutions_inspection_method_valid", violation_error_code="method_valid",
                violation_error_message="检查方式无效。",
            ),
        ]

    def __str__(self):
        target = self.training_class or self.institution
        return f"{self.inspected_on} {self.get_method_display()} · {target}"


class FlagKind(models.TextChoices):
    """Anomalies the system raises for HR's supervision (《实施方案》三(七) 系统监测)."""

    OVERLAPPING_CLASSES = "overlapping_classes", "同一学员同时在两个培训班"
    SHARED_PHONE = "shared_phone", "同一电话号码登记3人以上"
    OUTSIDE_WORKING_AGE = "outside_working_age", "报名时不在劳动年龄"
    ATTENDANCE_OUTSIDE_DATES = "attendance_outside_dates", "考勤记录在培训班日期之外"
    ALL_PRESENT = "all_present", "全班每个课次全部出勤"
    EMPLOYER_IS_INSTITUTION = "employer_is_institution", "用人单位为培训机构本身"
    CERTIFICATE_BEFORE_END = "certificate_before_end", "发证日期早于结业日期"
    SUBSIDISED_TOO_OFTEN = "subsidised_too_often", "一年内享受补贴性培训超过规定次数"
    WITHDRAWN_ON_CLAIM = "withdrawn_on_claim", "已退学学员出现在补贴申领中"
    BACKFILLED_ATTENDANCE = "backfilled_attendance", "补录考勤"
    CORRECTION_SHARE = "correction_share", "考勤更正过多"
    SESSIONS_WITHOUT_PHOTO = "sessions_without_photo", "课次无现场照片"
    FEW_CHECK_INS = "few_check_ins", "出勤多而签到少"
    UNCODED_EMPLOYER = "uncoded_employer", "无有效信用代码的用人单位招用多名学员"
    EMPLOYMENT_IN_ADVANCE = "employment_in_advance", "就业日期晚于录入日期"
    LOWER_LEVEL_AFTER_HIGHER = "lower_level_after_higher", "已取得较高等级后又参加较低等级培训"
    PAID_IN_TWO_COUNTIES = "paid_in_two_counties", "同一人在两个县享受同职业同等级补贴"


class Flag(models.Model):
    """An anomaly found by the automatic checks, with a link to its evidence, resolved by HR with
    a note. One row per finding: re-running the checks never duplicates or reopens it."""

    kind = models.CharField("类型", max_length=40, choices=FlagKind.choices)
    key = models.CharField("识别码", max_length=200, help_text="同一发现的唯一标识,用于避免重复。")
    summary = models.CharField("情况", max_length=300)
    evidence_url = models.CharField("证据链接", max_length=300, blank=True)
    institution = models.ForeignKey(TrainingInstitution, models.SET_NULL, null=True, blank=True, related_name="flags",
                                    verbose_name="培训机构")
    # What the finding is about, so payment can be held while it is open (《实施方案》三(七)).
    training_class = models.ForeignKey("courses.TrainingClass", models.SET_NULL, null=True, blank=True,
                                       related_name="flags", verbose_name="培训班")
    trainee = models.ForeignKey("trainees.Trainee", models.SET_NULL, null=True, blank=True, related_name="flags",
                                verbose_name="学员")
    detected_at = models.DateTimeField("发现时间", auto_now_add=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name="处理人")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "异常提示"
        verbose_name_plural = "异常提示"
        ordering = ["resolved_at", "-detected_at"]
        indexes = [
            models.Index(fields=["training_class"], condition=Q(resolved_at__isnull=True), name="institutions_flag_open_class"),
            models.Index(fields=["trainee"], condition=Q(resolved_at__isnull=True), name="institutions_flag_open_trainee"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="institutions_flag_one_per_finding",
                                    violation_error_code="one_per_finding", violation_error_message="该异常已记录。"),
            models.CheckConstraint(
                condition=Q(kind__in=FlagKind.values), name="institutions_flag_kind_valid",
                violation_error_code="kind_valid", violation_error_message="异常类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False) & ~Q(resolution_note=""),
                name="institutions_flag_resolution_complete", violation_error_code="resolution_complete",
                violation_error_message="处理异常须记录处理人、时间和处理意见。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}:{self.summary}"
