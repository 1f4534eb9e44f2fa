"""The occupation catalogue, training classes, rosters, training vouchers, sessions and attendance."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords
from stdnum import isbn

from common.documents import HELP_TEXT, DocumentField
from programme.models import CountyYear, county_field
from trainees.models import TraineeCategory


class Industry(models.TextChoices):
    """The key industries of 《实施方案》三(三) and 四(二)."""

    EQUIPMENT = "equipment", "装备制造"
    RURAL_REVITALISATION = "rural", "乡村振兴"
    DOMESTIC_SERVICE = "domestic", "家政服务"
    E_COMMERCE = "ecommerce", "电子商务"
    LOGISTICS = "logistics", "仓储物流"
    MODERN_AGRICULTURE = "agriculture", "现代农业"
    OTHER = "other", "其他"


class CertificateKind(models.TextChoices):
    """What an occupation leads to (《实施方案》三(六))."""

    QUALIFICATION = "qualification", "国家职业资格证书"
    SPECIAL_ABILITY = "special_ability", "专项职业能力证书"
    SKILL_LEVEL = "skill_level", "职业技能等级证书"
    TRAINING = "training", "培训合格证书"


class SkillLevel(models.TextChoices):
    """The five skill levels of 三(六); the value orders them (1 lowest)."""

    LEVEL_5 = "5", "初级工"
    LEVEL_4 = "4", "中级工"
    LEVEL_3 = "3", "高级工"
    LEVEL_2 = "2", "技师"
    LEVEL_1 = "1", "高级技师"


class Occupation(models.Model):
    """An occupation (职业/工种) of a year's catalogue (三(三)), adjusted every year."""

    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="occupations", verbose_name="政策年度"
    )
    name = models.CharField("职业(工种)", max_length=100)
    code = models.CharField("国家职业编码", max_length=20, blank=True, help_text="《职业分类大典》编码,如 4-10-01-05;没有的留空。")
    industry = models.CharField("重点产业", max_length=20, choices=Industry.choices)
    is_key_trade = models.BooleanField(
        "重点工种/劳务品牌", default=False, help_text="全县确定3—5个重点培训技术工种,培育劳务品牌(《实施方案》五(二))。"
    )
    certificate_kind = models.CharField("证书类型", max_length=20, choices=CertificateKind.choices)
    has_national_standard = models.BooleanField("有国家职业标准", default=False)
    has_enterprise_specification = models.BooleanField("有企业岗位规范", default=False)
    standard_reference = models.CharField(
        "标准或规范名称", max_length=200, blank=True, help_text="R9:须具有国家职业标准或企业岗位规范(《实施方案》四(二))。"
    )

    class Meta:
        verbose_name = "职业(工种)"
        verbose_name_plural = "职业(工种)"
        ordering = ["-policy_year_id", "industry", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_year", "name"], name="courses_occupation_unique_per_year", violation_error_code="unique_per_year",
                violation_error_message="本年度目录中已有同名职业(工种)。",
            ),
            models.CheckConstraint(
                condition=Q(industry__in=Industry.values), name="courses_occupation_industry_valid", violation_error_code="industry_valid",
                violation_error_message="重点产业无效。",
            ),
            models.CheckConstraint(
                condition=Q(certificate_kind__in=CertificateKind.values),
                name="courses_occupation_certificate_kind_valid", violation_error_code="certificate_kind_valid", violation_error_message="证书类型无效。",
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.policy_year_id})"

    @property
    def key(self):
        """The same occupation across yearly catalogues: its national code, else its name (R16)."""
        return self.code or self.name


class ParallelClassApproval(models.Model):
    """HR's record that an institution has the venue, teachers, equipment and managers to run two
    classes of one occupation at once (R2, 《实施方案》三(五))."""

    institution = models.ForeignKey(
        "institutions.TrainingInstitution", models.CASCADE, related_name="parallel_approvals", verbose_name="培训机构"
    )
    occupation = models.ForeignKey(Occupation, models.CASCADE, related_name="parallel_approvals", verbose_name="职业(工种)")
    basis = models.TextField("具备条件的说明", help_text="教学场所、教师配备、教学设施设备、管理人员等情况。")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="认定人")
    approved_on = models.DateField("认定日期")

    class Meta:
        verbose_name = "同工种两班同时开班认定"
        verbose_name_plural = "同工种两班同时开班认定"
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "occupation"], name="courses_parallelclassapproval_unique", violation_error_code="unique",
                violation_error_message="该机构此工种已有认定。",
            ),
        ]

    def __str__(self):
        return f"{self.institution} · {self.occupation.name}"


class TrainingMode(models.TextChoices):
    """The training modes of 《实施方案》三(四)."""

    TRAIN_THEN_EMPLOY = "train_then_employ", "先培训后就业"
    TRAIN_THEN_POST = "train_then_post", "先培训后上岗"
    TRAIN_WHILE_EMPLOYED = "train_while_employed", "边培训边就业"
    DEMAND_RESERVE = "demand_reserve", "需求储备式"


class ClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已批准"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "未批准"
    IN_PROGRESS = "in_progress", "培训中"
    COMPLETED = "completed", "已结业"
    CLOSED = "closed", "已结算"
    CANCELLED = "cancelled", "已撤销"


class TrainingClass(models.Model):
    """培训班: applied for by an institution (开班申请) and approved by county HR."""

    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="classes", verbose_name="政策年度"
    )
    county = county_field("classes")
    code = models.CharField("班级编号", max_length=30, unique=True, help_text="如 2018-HD-001。")
    name = models.CharField("班级名称", max_length=100)
    institution = models.ForeignKey(
        "institutions.TrainingInstitution", models.PROTECT, related_name="classes", verbose_name="培训机构"
    )
    occupation = models.ForeignKey(Occupation, models.PROTECT, related_name="classes", verbose_name="职业(工种)")
    target_line = models.ForeignKey(
        "programme.TargetLine", models.PROTECT, related_name="classes", verbose_name="计入任务类别"
    )
    training_mode = models.CharField("培训模式", max_length=30, choices=TrainingMode.choices)
    level = models.CharField(
        "培训等级", max_length=1, choices=SkillLevel.choices, blank=True,
        help_text="职业技能等级证书的职业(工种)填写培训的技能等级;其他留空。",
    )
    planned_start_on = models.DateField("计划开班日期")
    planned_end_on = models.DateField("计划结业日期")
    planned_days = models.PositiveSmallIntegerField("计划培训天数", help_text="一般10天左右,最长不超过15天(《实施方案》四(二))。")
    total_hours = models.PositiveSmallIntegerField("总课时", help_text="一般80课时左右,最多120课时,每天最多8课时。")
    practical_hours = models.PositiveSmallIntegerField("实操课时", help_text="实操实训应占全部课时70%左右(《实施方案》三(五))。")
    capacity = models.PositiveSmallIntegerField("计划人数", help_text="班容量控制在50人以内(《实施方案》三(五))。")
    venue = models.CharField("培训场地", max_length=200)
    teachers = models.TextField("授课教师", help_text="每行一位:姓名、职称或资格证书、授课内容。")
    roster_plan = models.TextField("学员来源计划", blank=True, help_text="生源乡镇、推荐方式、预计人数。")
    # Stored as classes/<field>/<year>/<uuid4 hex>.<ext>, read back through /documents/ only.
    syllabus = DocumentField("教学大纲", upload_to="classes/syllabus/%Y/", blank=True, help_text=HELP_TEXT)
    teaching_plan = DocumentField("教学计划", upload_to="classes/teaching_plan/%Y/", blank=True, help_text=HELP_TEXT)
    assessment_plan = DocumentField("考核方案", upload_to="classes/assessment_plan/%Y/", blank=True, help_text=HELP_TEXT)
    status = models.CharField("状态", max_length=20, choices=ClassStatus.choices, default=ClassStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="提交人"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True, help_text="退回或不批准时必须写明原因。")
    started_on = models.DateField("实际开班日期", null=True, blank=True)
    completed_on = models.DateField("实际结业日期", null=True, blank=True)
    attendance_rate = models.DecimalField(
        "班级到课率", max_digits=5, decimal_places=4, null=True, blank=True, editable=False,
        help_text="结业时按全部课次计算,含结业前退学学员退学前的课次(R3)。",
    )
    closed_at = models.DateTimeField("结算时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    history = HistoricalRecords(verbose_name="培训班变更记录")

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-planned_start_on", "-pk"]
        indexes = [
            models.Index(fields=["institution", "status"], name="courses_class_inst_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(practical_hours__lte=F("total_hours")),
                name="courses_trainingclass_practical_within_total", violation_error_code="practical_within_total",
                violation_error_message="实操课时不能超过总课时。",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=F("planned_start_on")),
                name="courses_trainingclass_dates_ordered", violation_error_code="dates_ordered",
                violation_error_message="计划结业日期不能早于计划开班日期。",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0) & Q(planned_days__gt=0) & Q(total_hours__gt=0),
                name="courses_trainingclass_positive_size", violation_error_code="positive_size",
                violation_error_message="计划人数、培训天数和总课时必须大于0。",
            ),
            models.CheckConstraint(
                condition=Q(level="") | Q(level__in=SkillLevel.values), name="courses_trainingclass_level_valid",
                violation_error_code="level_valid", violation_error_message="培训等级无效。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClassStatus.values), name="courses_trainingclass_status_valid", violation_error_code="status_valid",
                violation_error_message="培训班状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(started_on__isnull=False, completed_on__gte=F("started_on")),
                name="courses_trainingclass_completion_after_start", violation_error_code="completion_after_start",
                violation_error_message="结业日期不能早于开班日期,未开班不能结业。",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        """A class belongs to the county whose task line it counts toward (二): the county is
        never typed, on any path that saves a class."""
        super().clean()
        if self.target_line_id is not None:
            self.county_id = self.target_line.county_id

    def params(self):
        """The rule parameters of the class's county and year (programme.PolicyYear.params_for),
        read once per instance."""
        cached = getattr(self, "_params", None)
        if cached is None:
            cached = self._params = self.policy_year.params_for(self.county_id)
        return cached

    @property
    def end_on(self):
        """The date the employment window counts from (R7): actual completion, else the plan."""
        return self.completed_on or self.planned_end_on


def load_params(classes) -> None:
    """Each class's rule parameters (TrainingClass.params) for a list of classes, their years
    selected with them, in one query: the counties' own years, else each year's template."""
    classes = list(classes)
    pairs = {(c.county_id, c.policy_year_id) for c in classes}
    own = {(row.county_id, row.policy_year_id): row.params() for row in CountyYear.objects.filter(
        county_id__in={county for county, _ in pairs}, policy_year_id__in={year for _, year in pairs})}
    for training_class in classes:
        training_class._params = (own.get((training_class.county_id, training_class.policy_year_id))
                                  or training_class.policy_year.params())


class ClassTransition(models.Model):
    """Who moved a class from one status to another, when, and why (an audit trail, 三(七))."""

    training_class = models.ForeignKey(
        TrainingClass, models.CASCADE, related_name="transitions", verbose_name="培训班"
    )
    from_status = models.CharField("原状态", max_length=20, choices=ClassStatus.choices)
    to_status = models.CharField("新状态", max_length=20, choices=ClassStatus.choices)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="办理人")
    acted_at = models.DateTimeField("办理时间")
    note = models.TextField("意见或原因", blank=True)
    acknowledged_warnings = models.TextField("已确认的提示", blank=True)

    class Meta:
        verbose_name = "培训班状态变更"
        verbose_name_plural = "培训班状态变更"
        ordering = ["training_class", "acted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=ClassStatus.values) & Q(to_status__in=ClassStatus.values)
                & ~Q(from_status=F("to_status")),
                name="courses_classtransition_statuses_valid", violation_error_code="statuses_valid",
                violation_error_message="状态变更无效。",
            ),
        ]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ClassDecisionKind(models.TextChoices):
    RESCHEDULE = "reschedule", "调整培训日期"
    LOW_PRACTICAL_SHARE = "low_practical_share", "实操占比不足准予结业"


class ClassDecision(models.Model):
    """County HR's recorded decision that lets a class depart from its approved plan (R21, R22,
    三(五)): moving the dates of a class not yet started, or completing one whose delivered
    practical share is below the minimum. Never edited: a new decision is a new row."""

    training_class = models.ForeignKey(
        TrainingClass, models.PROTECT, related_name="decisions", verbose_name="培训班"
    )
    kind = models.CharField("决定类型", max_length=30, choices=ClassDecisionKind.choices)
    reason = models.TextField("理由", help_text="写明情况和依据,将记入培训班档案。")
    previous_start_on = models.DateField("原计划开班日期", null=True, blank=True)
    previous_end_on = models.DateField("原计划结业日期", null=True, blank=True)
    new_start_on = models.DateField("调整后开班日期", null=True, blank=True)
    new_end_on = models.DateField("调整后结业日期", null=True, blank=True)
    delivered_practical_share = models.DecimalField(
        "实际实操课时占比", max_digits=5, decimal_places=4, null=True, blank=True,
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        verbose_name = "培训班调整决定"
        verbose_name_plural = "培训班调整决定"
        ordering = ["training_class", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ClassDecisionKind.values), name="courses_classdecision_kind_valid",
                violation_error_code="kind_valid", violation_error_message="决定类型无效。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reschedule") | (
                    Q(previous_start_on__isnull=False, previous_end_on__isnull=False, new_start_on__isnull=False)
                    & Q(new_end_on__gte=F("new_start_on"))),
                name="courses_classdecision_reschedule_dates", violation_error_code="reschedule_dates",
                violation_error_message="调整培训日期须写明原日期和调整后的日期,结业不早于开班。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="low_practical_share") | Q(delivered_practical_share__isnull=False),
                name="courses_classdecision_share_recorded", violation_error_code="share_recorded",
                violation_error_message="须记录实际实操课时占比。",
            ),
        ]

    def __str__(self):
        return f"{self.training_class.code} {self.get_kind_display()}"


class Textbook(models.Model):
    """A published textbook of a class (三(五) 具有正规出版的相应教材)."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="textbooks", verbose_name="培训班")
    title = models.CharField("教材名称", max_length=200)
    publisher = models.CharField("出版社", max_length=100)
    isbn = models.CharField("ISBN", max_length=17, help_text="13位或10位书号,可带连字符。")

    class Meta:
        verbose_name = "教材"
        verbose_name_plural = "教材"
        ordering = ["pk"]

    def __str__(self):
        return f"《{self.title}》{self.publisher}"

    def clean(self):
        if not isbn.is_valid(self.isbn):
            raise ValidationError(
                {"isbn": ValidationError("书号 %(value)s 无效:请对照教材版权页核对ISBN。", code="isbn_invalid",
                                         params={"value": self.isbn})}
            )


class EnrolmentSource(models.TextChoices):
    TOWNSHIP = "township", "乡镇推荐"
    VOUCHER = "voucher", "培训券"
    EMPLOYER = "employer", "用人单位"
    SELF = "self", "个人报名"


class Enrolment(models.Model):
    """A trainee on a class roster (学员名册). Withdrawal keeps the row."""

    training_class = models.ForeignKey(TrainingClass, models.PROTECT, related_name="enrolments", verbose_name="培训班")
    trainee = models.ForeignKey("trainees.Trainee", models.PROTECT, related_name="enrolments", verbose_name="学员")
    source = models.CharField("报名途径", max_length=20, choices=EnrolmentSource.choices, default=EnrolmentSource.TOWNSHIP)
    category = models.CharField(
        "计入培训对象类别", max_length=30, blank=True, choices=TraineeCategory.choices,
        help_text="开班时学员所属的类别(R18)。",
    )
    enrolled_on = models.DateField("报名日期")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="录入人"
    )
    is_withdrawn = models.BooleanField("已退学", default=False)
    withdrawn_on = models.DateField("退学日期", null=True, blank=True)
    withdrawal_reason = models.CharField("退学原因", max_length=200, blank=True)
    attendance_rate = models.DecimalField(
        "到课率", max_digits=5, decimal_places=4, null=True, blank=True, editable=False,
        help_text="结业时按全部课次的课时计算(R3)。",
    )
    meets_attendance = models.BooleanField(
        "到课率达标", null=True, editable=False, help_text="结业时记录;未达标的不能参加考核,也不能申领补贴(R3)。"
    )
    history = HistoricalRecords(verbose_name="学员名册变更记录")

    class Meta:
        verbose_name = "学员名册"
        verbose_name_plural = "学员名册"
        ordering = ["training_class", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "trainee"], name="courses_enrolment_one_per_trainee_and_class", violation_error_code="one_per_trainee_and_class",
                violation_error_message="该学员已在本班名册中。",
            ),
            models.CheckConstraint(
                condition=Q(category="") | Q(category__in=TraineeCategory.values),
                name="courses_enrolment_category_valid", violation_error_code="category_valid",
                violation_error_message="培训对象类别无效。",
            ),
            models.CheckConstraint(
                condition=Q(source__in=EnrolmentSource.values), name="courses_enrolment_source_valid", violation_error_code="source_valid",
                violation_error_message="报名途径无效。",
            ),
            models.CheckConstraint(
                condition=Q(attendance_rate__isnull=True) | Q(attendance_rate__gte=0, attendance_rate__lte=1),
                name="courses_enrolment_attendance_rate_share", violation_error_code="attendance_rate_share",
                violation_error_message="到课率应在0到1之间。",
            ),
            models.CheckConstraint(
                condition=Q(is_withdrawn=False, withdrawn_on__isnull=True)
                | Q(is_withdrawn=True, withdrawn_on__isnull=False),
                name="courses_enrolment_withdrawal_dated", violation_error_code="withdrawal_dated",
                violation_error_message="退学须填写退学日期,未退学不能有退学日期。",
            ),
        ]

    def __str__(self):
        return f"{self.training_class.code} · {self.trainee.name}"


class SessionKind(models.TextChoices):
    THEORY = "theory", "理论"
    PRACTICAL = "practical", "实操"


class Session(models.Model):
    """A dated block of a class (课次): its hours are theory or practical."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="sessions", verbose_name="培训班")
    held_on = models.DateField("上课日期")
    starts_at = models.TimeField("开始时间", null=True, blank=True)
    hours = models.DecimalField("课时", max_digits=4, decimal_places=1)
    kind = models.CharField("类型", max_length=10, choices=SessionKind.choices)
    topic = models.CharField("教学内容", max_length=200, blank=True)
    teacher = models.CharField("授课教师", max_length=50, blank=True)

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["training_class", "held_on", "starts_at", "pk"]
        indexes = [models.Index(fields=["training_class", "held_on"], name="courses_session_class_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="courses_session_hours_positive", violation_error_code="hours_positive",
                violation_error_message="课时必须大于0且不超过24。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="courses_session_kind_valid", violation_error_code="kind_valid",
                violation_error_message="课次类型无效。",
            ),
            models.UniqueConstraint(
                fields=["training_class", "held_on", "starts_at"], name="courses_session_unique_start", violation_error_code="unique_start",
                violation_error_message="本班同一日期同一开始时间已有课次。",
            ),
        ]

    def __str__(self):
        return f"{self.training_class.code} {self.held_on} {self.get_kind_display()} {self.hours}课时"


class AttendanceRecord(models.Model):
    """One mark per enrolment per session (考勤); partial attendance records the hours present."""

    enrolment = models.ForeignKey(Enrolment, models.PROTECT, related_name="attendance", verbose_name="学员名册")
    session = models.ForeignKey(Session, models.PROTECT, related_name="attendance", verbose_name="课次")
    is_present = models.BooleanField("出勤")
    hours_present = models.DecimalField(
        "实到课时", max_digits=4, decimal_places=1, null=True, blank=True, help_text="部分出勤时填写;全勤留空。"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now=True, help_text="服务器时间:录入或最后修改的时间。")
    correction = models.ForeignKey(
        "AttendanceCorrection", models.PROTECT, related_name="applied_marks", null=True, blank=True,
        verbose_name="考勤更正", help_text="经县人社局批准的更正所录入或修改的考勤(《实施方案》三(七))。",
    )
    history = HistoricalRecords(verbose_name="考勤变更记录")

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="courses_attendancerecord_one_per_enrolment_and_session", violation_error_code="one_per_enrolment_and_session",
                violation_error_message="该学员本课次已有考勤记录。",
            ),
            models.CheckConstraint(
                condition=Q(hours_present__isnull=True) | Q(is_present=True, hours_present__gte=0),
                name="courses_attendancerecord_hours_only_when_present", violation_error_code="hours_only_when_present",
                violation_error_message="缺勤不能填写实到课时;实到课时不能为负数。",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.session.held_on} {'到' if self.is_present else '缺'}"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


class AttendanceCorrection(models.Model):
    """A request to enter or change a session's marks after its window has closed (R20,
    《实施方案》三(七) 实时监控、严格考勤): the marks, the reason and evidence, and county HR's
    decision. Approved marks are applied through record_attendance and point back here."""

    training_class = models.ForeignKey(TrainingClass, models.PROTECT, related_name="attendance_corrections",
                                       verbose_name="培训班")
    session = models.ForeignKey(Session, models.PROTECT, related_name="corrections", null=True, blank=True,
                                verbose_name="课次", help_text="补排已过去日期的课次时,批准后才建立课次。")
    new_session = models.JSONField(
        "补排课次", null=True, blank=True,
        help_text="开班后补排已过去日期的课次:上课日期、开始时间、课时、类型、教学内容、授课教师。",
    )
    marks = models.JSONField("更正考勤", default=dict, blank=True, help_text="学员名册编号 → 考勤(到/缺或实到课时)。")
    reason = models.TextField("更正原因")
    evidence = DocumentField("证明材料", upload_to="attendance/corrections/%Y/", blank=True, help_text=HELP_TEXT)
    status = models.CharField("状态", max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="审批人"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "考勤更正申请"
        verbose_name_plural = "考勤更正申请"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CorrectionStatus.values), name="courses_attendancecorrection_status_valid",
                violation_error_code="status_valid", violation_error_message="更正申请状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) | Q(new_session__isnull=False),
                name="courses_attendancecorrection_session_or_new_session", violation_error_code="session_or_new_session",
                violation_error_message="更正申请须指明课次,或写明要补排的课次。",
            ),
            models.CheckConstraint(
                condition=Q(status=CorrectionStatus.PENDING) | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="courses_attendancecorrection_decision_recorded", violation_error_code="decision_recorded",
                violation_error_message="审批结果须记录审批人和审批时间。",
            ),
        ]

    def __str__(self):
        what = self.session or f"{self.training_class.code} 补排{(self.new_session or {}).get('held_on', '')}课次"
        return f"{what} 考勤更正({self.get_status_display()})"


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", "已发放"
    REDEEMED = "redeemed", "已使用"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已作废"


class Voucher(models.Model):
    """A training voucher (培训券, 四(三)): names its holder, used once, before expiry (R14)."""

    code = models.CharField("券号", max_length=20, unique=True)
    holder = models.ForeignKey("trainees.Trainee", models.PROTECT, related_name="vouchers", verbose_name="持券人")
    township = models.ForeignKey(
        "programme.Township", models.PROTECT, related_name="vouchers", verbose_name="发放乡镇"
    )
    policy_year = models.ForeignKey(
        "programme.PolicyYear", models.PROTECT, related_name="vouchers", verbose_name="政策年度"
    )
    issued_on = models.DateField("发放日期")
    expires_on = models.DateField("有效期至")
    status = models.CharField("状态", max_length=20, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED)
    enrolment = models.OneToOneField(
        "courses.Enrolment", models.PROTECT, null=True, blank=True, related_name="voucher",
        verbose_name="使用于", help_text="持券人报名的培训班名册。",
    )
    redeemed_on = models.DateField("使用日期", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True, verbose_name="发放人"
    )
    history = HistoricalRecords(verbose_name="培训券变更记录", table_name="subsidies_historicalvoucher")

    class Meta:
        db_table = "subsidies_voucher"  # the table keeps its name from before vouchers moved beside the roster
        verbose_name = "培训券"
        verbose_name_plural = "培训券"
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("issued_on")), name="subsidies_voucher_expiry_after_issue", violation_error_code="expiry_after_issue",
                violation_error_message="有效期不能早于发放日期。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=VoucherStatus.values), name="subsidies_voucher_status_valid", violation_error_code="status_valid",
                violation_error_message="培训券状态无效。",
            ),
            models.CheckConstraint(
                condition=Q(status=VoucherStatus.REDEEMED, enrolment__isnull=False, redeemed_on__isnull=False)
                | Q(status__in=[VoucherStatus.ISSUED, VoucherStatus.EXPIRED], enrolment__isnull=True,
                    redeemed_on__isnull=True)
                | Q(status=VoucherStatus.CANCELLED),
                name="subsidies_voucher_redeemed_has_enrolment", violation_error_code="redeemed_has_enrolment",
                violation_error_message="已使用的培训券须关联报名记录和使用日期;未使用的不能关联(作废的保留原记录)。",
            ),
            # R14: a holder has at most one unused voucher a year. The database cannot see the
            # date, so an issued voucher past its expiry still counts until it is marked expired
            # (issue_voucher does that first) or cancelled.
            models.UniqueConstraint(
                fields=["holder", "policy_year"], condition=Q(status=VoucherStatus.ISSUED),
                name="subsidies_voucher_one_unused_per_holder_and_year", violation_error_code="voucher_already_issued",
                violation_error_message="该学员本年度已有一张未使用的培训券,每人每年度只能持有一张(《实施方案》四(三)):"
                                        "请先使用该券,或将其作废后再发放。",
            ),
        ]

    def __str__(self):
        return f"{self.code}({self.get_status_display()})"
