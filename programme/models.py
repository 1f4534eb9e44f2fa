"""The programme's year: policy years and their parameters, target lines, townships and their
targets, working-day adjustments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from programme.policy import (
    FROZEN_PARAMETERS,
    PolicyParams,
    ensure_parameters_unchanged,
    parameters_frozen_reason,
)

SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
MONEY = [MinValueValidator(Decimal("0"))]


def share_field(default, verbose_name, help_text=""):
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=4, default=Decimal(default), validators=SHARE,
        help_text=help_text,
    )


def money_field(default, verbose_name, help_text=""):
    return models.DecimalField(
        verbose_name, max_digits=10, decimal_places=2, default=Decimal(default), validators=MONEY,
        help_text=help_text,
    )


class County(models.Model):
    """A county (县、县级市、区) of the province by its GB/T 2260 code. It owns its townships, its
    policy years, target lines, yearly list of institutions, classes and claims; its HR staff act only
    within it, and the city's and the province's supervisors read it (SPEC.md §1). A deployment with
    one county has one row, made from the settings COUNTY_CODE and COUNTY_NAME."""

    code = models.CharField(
        "区划代码", max_length=6, unique=True,
        validators=[RegexValidator(r"^[1-9][0-9]{3}(?!00)[0-9]{2}$", "区划代码为6位数字(GB/T 2260),县级代码末两位不是00。")],
        help_text="GB/T 2260 县级行政区划代码,6位,如140421。",
    )
    name = models.CharField("名称", max_length=50)
    city_name = models.CharField("所属市", max_length=50, blank=True)

    class Meta:
        verbose_name = "县(市、区)"
        verbose_name_plural = "县(市、区)"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def city_code(self) -> str:
        """The city's (地级市) GB/T 2260 code: the county's first four digits and 00."""
        return f"{self.code[:4]}00"

    @property
    def province_code(self) -> str:
        return f"{self.code[:2]}0000"


def default_county_id() -> int:
    """The deployment's own county (settings COUNTY_CODE, COUNTY_NAME), created on first use: the
    county of every row made where no other county is named, as in a one-county deployment."""
    county, _ = County.objects.get_or_create(
        code=settings.COUNTY_CODE, defaults={"name": settings.COUNTY_NAME, "city_name": settings.COUNTY_CITY_NAME})
    return county.pk


def county_field(related_name: str, **extra):
    return models.ForeignKey(County, models.PROTECT, related_name=related_name, verbose_name="所属县(市、区)",
                             default=default_county_id, **extra)


def parameter_constraints(prefix: str) -> list:
    """The checks every set of rule parameters passes, in the database (R2, R4, R5, R6, R13, 三(七))."""
    return [
        models.CheckConstraint(
            condition=Q(min_practical_share__lte=F("target_practical_share")),
            name=f"{prefix}_practical_min_within_target", violation_error_code="practical_min_within_target",
            violation_error_message="实操课时占比下限不能高于目标(R4)。",
        ),
        models.CheckConstraint(
            condition=Q(full_rate_days__lte=F("max_days")) & Q(standard_days__lte=F("max_days")),
            name=f"{prefix}_days_within_max", violation_error_code="days_within_max",
            violation_error_message="标准天数和前段补贴天数不能超过最长培训天数(R5、R6)。",
        ),
        models.CheckConstraint(
            condition=Q(max_parallel_classes__lte=F("max_parallel_classes_approved")),
            name=f"{prefix}_parallel_within_approved", violation_error_code="parallel_within_approved",
            violation_error_message="同时开班数不能超过具备条件时的同时开班数(R2)。",
        ),
        models.CheckConstraint(
            condition=Q(max_age__isnull=True) | Q(min_age__lt=F("max_age")),
            name=f"{prefix}_age_range", violation_error_code="age_range",
            violation_error_message="最低年龄必须小于最高年龄(R13)。",
        ),
        models.CheckConstraint(
            condition=Q(first_instalment_share__gte=0) & Q(first_instalment_share__lte=1)
            & Q(min_attendance_rate__gte=0) & Q(min_attendance_rate__lte=1)
            & Q(target_practical_share__lte=1) & Q(min_practical_share__gte=0)
            & Q(min_pass_rate__gte=0) & Q(min_pass_rate__lte=1)
            & Q(min_employment_rate__gte=0) & Q(min_employment_rate__lte=1),
            name=f"{prefix}_shares_between_0_and_1", violation_error_code="shares_between_0_and_1",
            violation_error_message="比例必须在0到1之间。",
        ),
        models.CheckConstraint(
            condition=Q(full_day_rate__gte=0) & Q(reduced_day_rate__gte=0) & Q(placement_reward_amount__gte=0)
            & Q(small_enterprise_hire_amount__gte=0) & Q(small_enterprise_upgrade_amount__gte=0),
            name=f"{prefix}_amounts_not_negative", violation_error_code="amounts_not_negative",
            violation_error_message="补贴金额不能为负数。",
        ),
        models.CheckConstraint(
            condition=Q(max_correction_share__gte=0) & Q(max_correction_share__lte=1)
            & Q(min_check_in_share__gte=0) & Q(min_check_in_share__lte=1)
            & Q(backfill_min_days__gte=2) & Q(backfill_sitting_minutes__gte=1),
            name=f"{prefix}_monitoring_thresholds", violation_error_code="monitoring_thresholds",
            violation_error_message="系统监测的比例必须在0到1之间,集中补录天数至少2天,一次录入时长至少1分钟。",
        ),
        ]


class PolicyParameters(models.Model):
    """Every rule parameter (SPEC.md §4) and the year's target (二): the province's template for a
    year (PolicyYear) and each county's own year (CountyYear) have the same fields."""

    document = models.CharField(
        "政策依据", max_length=200, blank=True, default="长县政办发〔2018〕30号《长治县全民技能提升工程实施方案》"
    )
    annual_target = models.PositiveIntegerField(
        "年度培训取证目标(人)", default=5000, help_text="每年经过培训并取得相应证书的劳动者人数(《实施方案》二)。"
    )
    max_class_size = models.PositiveSmallIntegerField(
        "班容量上限(人)", default=50, help_text="R1 《实施方案》三(五):培训班的班容量控制在50人以内。"
    )
    max_parallel_classes = models.PositiveSmallIntegerField(
        "同工种同时开班数", default=1, help_text="R2 《实施方案》三(五):一般同一时间一个班。"
    )
    max_parallel_classes_approved = models.PositiveSmallIntegerField(
        "具备条件时同工种同时开班数", default=2, help_text="R2:经县人社局认定具备条件的,可两个班同时进行。"
    )
    min_attendance_rate = share_field("0.85", "到课率下限", "R3 《实施方案》三(五):到课率不得低于85%。填0.85。")
    min_practical_share = share_field("0.65", "实操课时占比下限", "R4:低于此比例不予开班。填0.65。")
    target_practical_share = share_field(
        "0.70", "实操课时占比目标", "R4 《实施方案》三(五):实操实训时间应占全部培训课时70%左右;低于目标给予提示。"
    )
    standard_days = models.PositiveSmallIntegerField("标准培训天数", default=10, help_text="R5 《实施方案》四(二)。")
    standard_hours = models.PositiveSmallIntegerField("标准培训课时", default=80, help_text="R5:10天(80个课时)左右。")
    max_days = models.PositiveSmallIntegerField("最长培训天数", default=15, help_text="R5:最长不超过15天。")
    max_hours = models.PositiveSmallIntegerField("最多培训课时", default=120, help_text="R5:最多120个课时。")
    max_hours_per_day = models.PositiveSmallIntegerField("每天最多课时", default=8, help_text="R5:每天不超过8个课时。")
    full_day_rate = money_field("150.00", "前段每人每天补贴(元)", "R6 《实施方案》四(二):10天以内每人每天150元。")
    reduced_day_rate = money_field("100.00", "后段每人每天补贴(元)", "R6:10天以后每人每天100元。")
    full_rate_days = models.PositiveSmallIntegerField("前段补贴天数", default=10, help_text="R6:按前段标准补贴的天数。")
    first_instalment_share = share_field(
        "0.80", "首期拨付比例", "R7 《实施方案》四(二):取得证书后先拨付80%,其余20%在就业后拨付。"
    )
    employment_window_months = models.PositiveSmallIntegerField(
        "就业认定期(月)", default=3, help_text="R7:结业后3个自然月内实现就业。"
    )
    placement_reward_amount = money_field(
        "0.00", "就业奖励(元/人)", "R8 《实施方案》四(二):按我省职业介绍补贴标准,由县人社局按年度设定。"
    )
    min_pass_rate = share_field("0.80", "机构培训合格率下限", "R11 《实施方案》三(七):合格率不达80%取消下一年度资格。")
    min_employment_rate = share_field("0.30", "机构就业率下限", "R11 《实施方案》三(七):就业率不达30%取消下一年度资格。")
    min_age = models.PositiveSmallIntegerField("最低年龄(周岁)", default=16, help_text="R13:报名时须年满16周岁。")
    max_age = models.PositiveSmallIntegerField(
        "最高年龄(周岁)", null=True, blank=True,
        help_text="R13:如县人社局规定劳动年龄上限,报名时不得超过此年龄;《实施方案》三(一)未规定上限,留空即不限。",
    )
    small_enterprise_hire_amount = money_field("300.00", "小微企业新招用补贴(元/人)", "R15 《实施方案》四(四)。")
    small_enterprise_min_contract_months = models.PositiveSmallIntegerField(
        "小微企业劳动合同最短期限(月)", default=6, help_text="R15:签订6个月以上劳动合同。"
    )
    small_enterprise_upgrade_amount = money_field(
        "300.00", "小微企业取证或升级补贴(元/人)", "R15:1年内取得证书或提升一个技能等级再补贴300元。"
    )
    small_enterprise_upgrade_window_months = models.PositiveSmallIntegerField(
        "取证或升级期限(月)", default=12, help_text="R15:履行劳动合同1年内。"
    )
    max_subsidised_trainings = models.PositiveSmallIntegerField(
        "每人每年补贴培训次数上限", default=3, help_text="R16:同一学员每年享受补贴性培训的次数上限。"
    )
    claim_deadline_months = models.PositiveSmallIntegerField(
        "补贴申领期限(月)", default=12, help_text="R18:证书核发之日起12个月内申领。"
    )
    publicity_working_days = models.PositiveSmallIntegerField(
        "公示期(工作日)", default=5, help_text="R19 《实施方案》五(三):拨付前公示的工作日数。"
    )
    attendance_grace_hours = models.PositiveSmallIntegerField(
        "考勤录入宽限(小时)", default=24,
        help_text="《实施方案》三(七) 实时监控、严格考勤:课次结束后还可直接录入考勤的小时数;超过后须经县人社局批准更正。",
    )
    # 三(七) 系统监测: the thresholds of the attendance checks (reporting.flags).
    backfill_min_days = models.PositiveSmallIntegerField(
        "集中补录天数", default=3, validators=[MinValueValidator(2)],
        help_text="《实施方案》三(七) 系统监测:同一培训班这么多个不同日期课次的考勤在一次录入中(见下项)写入的,"
                  "提示“补录考勤”。同一天上午、下午的课次一并录入只算一天。",
    )
    backfill_sitting_minutes = models.PositiveSmallIntegerField(
        "一次录入时长(分钟)", default=30, validators=[MinValueValidator(1)],
        help_text="录入时间前后相差不超过这么多分钟的考勤,视为一次录入。",
    )
    max_correction_share = share_field(
        "0.10", "考勤更正占比上限",
        "《实施方案》三(七) 系统监测:一个培训班经批准更正录入的考勤超过其全部考勤的这个比例时提示。填0.10。",
    )
    photos_per_session = models.PositiveSmallIntegerField(
        "每课次现场照片(张)", default=1,
        help_text="《实施方案》三(七) 系统监测:已过考勤录入期限、有考勤的课次,现场照片少于这个张数时提示。"
                  "填0不检查(尚未开展课堂现场拍照的县)。",
    )
    min_check_in_share = share_field(
        "0.50", "自助签到占出勤比例下限",
        "《实施方案》三(七) 系统监测:已过考勤录入期限的课次中,记为出勤的学员本人自助签到的比例低于此值时提示。"
        "填0.50;填0不检查(尚未开展自助签到的县)。",
    )
    uncoded_employer_max_hires = models.PositiveSmallIntegerField(
        "无信用代码用人单位招用学员上限(人)", default=3,
        help_text="《实施方案》三(七) 系统监测:同一用人单位(按名称)没有有效统一社会信用代码,"
                  "同一年度招用的学员超过这个人数时提示。填0不检查。",
    )
    is_voucher_pilot_on = models.BooleanField(
        "开展培训券试点", default=False, help_text="《实施方案》四(三):适时开展职业技能培训券管理试点。"
    )

    class Meta:
        abstract = True

    def params(self) -> PolicyParams:
        """The parameters as the frozen value every policy function takes."""
        names = [name for name in PolicyParams.__dataclass_fields__ if name != "year"]
        return PolicyParams(year=self.year_number, **{name: getattr(self, name) for name in names})

    @property
    def year_number(self) -> int:
        raise NotImplementedError

    def frozen_counts(self) -> tuple[int, int]:
        """The classes and small-enterprise subsidies done under these parameters."""
        raise NotImplementedError

    def frozen_reason(self) -> str:
        """Why the rule parameters are locked, or "" (programme.policy)."""
        if self.pk is None:
            return ""
        classes, enterprise_subsidies = self.frozen_counts()
        return parameters_frozen_reason(year=self.year_number, classes=classes,
                                        enterprise_subsidies=enterprise_subsidies)

    def clean(self):
        """The rule parameters are frozen once they have business (every form and import that
        saves a year goes through here; the admin shows them read-only with the reason)."""
        super().clean()
        if self.pk is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_PARAMETERS).first()
        if stored is None:
            return
        changed = [name for name in FROZEN_PARAMETERS if stored[name] != getattr(self, name)]
        if changed:
            ensure_parameters_unchanged(
                changed=changed, labels={f.name: str(f.verbose_name) for f in self._meta.fields},
                reason=self.frozen_reason())


class PolicyYear(PolicyParameters):
    """One row per year: the province's template of every rule parameter, which each county's own
    year starts from (CountyYear), and the parameters of a county that has not opened its own."""

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    is_closed = models.BooleanField("已结束", default=False, help_text="年度结束后才计算机构年度绩效(R11)。")

    class Meta:
        db_table = "skills_program_policyyear"  # the table keeps its name from before the apps were split
        verbose_name = "政策年度"
        verbose_name_plural = "政策年度"
        ordering = ["-year"]
        constraints = parameter_constraints("skills_program_policyyear")

    def __str__(self):
        return f"{self.year}年度"

    @property
    def year_number(self) -> int:
        return self.year

    def frozen_counts(self) -> tuple[int, int]:
        """Business done under the template: that of counties without their own year."""
        own = CountyYear.objects.filter(policy_year=self).values("county_id")
        return (self.classes.exclude(county__in=own).count(),
                self.enterprise_subsidies.exclude(county__in=own).count())

    def params_for(self, county_id: int | None) -> PolicyParams:
        """The parameters every rule reads for business of `county_id` this year: the county's own
        year where it has opened one, else this template (SPEC.md §1, §4). One query."""
        own = CountyYear.objects.filter(county_id=county_id, policy_year=self).first() if county_id else None
        return (own or self).params()


class CountyYear(PolicyParameters):
    """A county's own policy year: the province's template (PolicyYear) copied when the county opens
    its year, then set by the county's HR staff. Every rule of the county's business that year reads
    these parameters; they freeze once the county has a class or a subsidy that year."""

    county = models.ForeignKey(County, models.PROTECT, related_name="years", verbose_name="县(市、区)")
    policy_year = models.ForeignKey(PolicyYear, models.PROTECT, related_name="county_years", verbose_name="年度")

    class Meta:
        verbose_name = "本县政策年度"
        verbose_name_plural = "本县政策年度"
        ordering = ["-policy_year_id", "county__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "policy_year"], name="programme_countyyear_one_per_year",
                violation_error_code="one_per_year", violation_error_message="本县该年度的政策参数已建立。",
            ),
            *parameter_constraints("programme_countyyear"),
        ]

    def __str__(self):
        return f"{self.county_id and self.county.name} {self.policy_year_id}年度"

    @property
    def year_number(self) -> int:
        return self.policy_year_id

    def frozen_counts(self) -> tuple[int, int]:
        return (self.policy_year.classes.filter(county_id=self.county_id).count(),
                self.policy_year.enterprise_subsidies.filter(county_id=self.county_id).count())

    def clean(self):
        """Besides the freeze of a saved year: a county that opens its year after business of that
        year was done under the template keeps the template's rule parameters, as that business
        was judged under them."""
        super().clean()
        if self.pk is not None or self.county_id is None or self.policy_year_id is None:
            return
        classes, enterprise_subsidies = self.frozen_counts()
        reason = parameters_frozen_reason(year=self.year_number, classes=classes,
                                          enterprise_subsidies=enterprise_subsidies)
        changed = [name for name in FROZEN_PARAMETERS if getattr(self.policy_year, name) != getattr(self, name)]
        if reason and changed:
            ensure_parameters_unchanged(changed=changed, labels={f.name: str(f.verbose_name) for f in self._meta.fields},
                                        reason=reason)

    @classmethod
    def opened_from(cls, template: PolicyYear, county: County) -> "CountyYear":
        """A county's year as the province's template has it, not yet saved."""
        names = [f.name for f in PolicyParameters._meta.fields]
        return cls(county=county, policy_year=template, **{name: getattr(template, name) for name in names})


class TargetLine(models.Model):
    """A line of the year's task (二): each class counts toward one line."""

    policy_year = models.ForeignKey(PolicyYear, models.CASCADE, related_name="target_lines", verbose_name="政策年度")
    county = county_field("target_lines")
    name = models.CharField("任务类别", max_length=100)
    responsible_unit = models.CharField("承担单位", max_length=100, blank=True, default="县人社局")
    target_count = models.PositiveIntegerField("任务人数")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        db_table = "skills_program_targetline"  # the table keeps its name from before the apps were split
        verbose_name = "年度任务"
        verbose_name_plural = "年度任务"
        ordering = ["policy_year_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "policy_year", "name"], name="programme_targetline_unique_name",
                violation_error_code="unique_name", violation_error_message="本年度已有同名任务类别。",
            ),
        ]

    def __str__(self):
        return f"{self.policy_year_id}年 {self.name}"


class TownshipKind(models.TextChoices):
    TOWN = "town", "镇"
    TOWNSHIP = "township", "乡"
    ZONE = "zone", "区"


class Township(models.Model):
    """A town, township or development zone of the county (五(二) 责任包干)."""

    name = models.CharField("名称", max_length=50)
    code = models.CharField("区划代码", max_length=12, blank=True)
    kind = models.CharField("类型", max_length=10, choices=TownshipKind.choices, default=TownshipKind.TOWN)
    county = county_field("townships")

    class Meta:
        db_table = "skills_program_township"  # the table keeps its name from before the apps were split
        verbose_name = "乡镇"
        verbose_name_plural = "乡镇"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"], name="programme_township_unique_name_in_county",
                violation_error_code="unique_name", violation_error_message="本县已有同名乡镇。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TownshipKind.values), name="skills_program_township_kind_valid",
                violation_error_code="kind_valid", violation_error_message="乡镇类型无效。",
            ),
        ]

    def __str__(self):
        return self.name


class TownshipTarget(models.Model):
    """A township's yearly target of trainees to mobilise (五(二) 责任包干)."""

    township = models.ForeignKey(Township, models.CASCADE, related_name="targets", verbose_name="乡镇")
    policy_year = models.ForeignKey(PolicyYear, models.CASCADE, related_name="township_targets", verbose_name="政策年度")
    target_count = models.PositiveIntegerField("任务人数")

    class Meta:
        db_table = "skills_program_townshiptarget"  # the table keeps its name from before the apps were split
        verbose_name = "乡镇年度任务"
        verbose_name_plural = "乡镇年度任务"
        ordering = ["policy_year_id", "township_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "policy_year"], name="skills_program_townshiptarget_one_per_year",
                violation_error_code="one_per_year", violation_error_message="该乡镇本年度任务已下达。",
            ),
        ]

    def __str__(self):
        return f"{self.policy_year_id}年 {self.target_count}人"


class CalendarDay(models.Model):
    """An adjustment of the official working-day calendar (R19 公示期按工作日计算): a holiday or a
    调休 working day that the built-in calendar lacks, recorded by HR."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日", help_text="勾选表示这天上班(如调休补班);不勾选表示放假。")
    note = models.CharField("说明", max_length=100, blank=True, help_text="如:国务院办公厅关于2027年部分节假日安排的通知。")

    class Meta:
        db_table = "skills_program_calendarday"  # the table keeps its name from before the apps were split
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day} {'上班' if self.is_workday else '放假'}"
