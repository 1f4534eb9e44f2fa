"""Trainees: real people identified by their resident ID number, and their eligible categories."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from trainees.fields import ResidentIdField
from trainees.policy import (
    ADDRESS_MAX_CHARS,
    NAME_MAX_CHARS,
    PHONE_MAX_CHARS,
    age_on,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    parse_id_number,
)
from trainees.validators import validate_id_number, validate_phone


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Education(models.TextChoices):
    PRIMARY = "primary", "小学及以下"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中专/技校/职高"
    COLLEGE = "college", "大专"
    BACHELOR = "bachelor", "本科及以上"


class TraineeCategory(models.TextChoices):
    """The eligible groups of 《实施方案》三(一)."""

    URBAN_UNEMPLOYED = "urban_unemployed", "城镇失业人员"
    SCHOOL_LEAVER = "school_leaver", "城镇未继续升学应届初高中毕业生"
    COLLEGE_GRADUATE = "college_graduate", "高校毕业生"
    POOR_FAMILY = "poor_family", "贫困家庭子女"
    VETERAN = "veteran", "复退军人"
    MIGRANT_WORKER = "migrant_worker", "农村进城务工人员"
    RURAL_LABOUR = "rural_labour", "农村劳动力"
    EMPLOYEE = "employee", "企业岗前或在岗职工"


class TraineeQuerySet(models.QuerySet):
    def by_id_number(self, value):
        """Exact match on the normalised ID number (uses the unique index, never UPPER())."""
        return self.filter(id_number=normalise_id_number(value))


class Trainee(models.Model):
    """A person: one row per resident ID number; birth date and sex come from the number."""

    id_number = ResidentIdField(
        "身份证号", max_length=18, unique=True, validators=[validate_id_number],
        help_text="18位第二代居民身份证号;出生日期和性别由身份证号自动生成。",
    )
    name = models.CharField("姓名", max_length=NAME_MAX_CHARS, db_index=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_on = models.DateField("出生日期", editable=False)
    phone = models.CharField("联系电话", max_length=PHONE_MAX_CHARS, blank=True, db_index=True,
                             validators=[validate_phone])
    township = models.ForeignKey(
        "programme.Township", models.PROTECT, related_name="trainees", verbose_name="所属乡镇",
        help_text="学员户籍或常住所在乡镇,由该乡镇负责组织发动(《实施方案》五(二))。",
    )
    education = models.CharField("文化程度", max_length=20, choices=Education.choices, blank=True)
    address = models.CharField("住址", max_length=ADDRESS_MAX_CHARS, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords(verbose_name="学员变更记录")

    objects = TraineeQuerySet.as_manager()

    class Meta:
        verbose_name = "学员"
        verbose_name_plural = "学员"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[1-9][0-9]{16}[0-9X]$"),
                name="trainees_trainee_id_number_format", violation_error_code="id_number_format",
                violation_error_message="身份证号应为18位,前17位为数字,末位为数字或X。",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=Sex.values), name="trainees_trainee_sex_valid", violation_error_code="sex_valid",
                violation_error_message="性别无效。",
            ),
        ]

    def __str__(self):
        return f"{self.name}({mask_id_number(self.id_number)})"

    def save(self, *args, **kwargs):
        # Derivation, not validation: birth date and sex always follow the stored number.
        self._derive_from_id_number(strict=False)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.id_number = normalise_id_number(self.id_number)
        super().clean_fields(exclude=exclude)

    def clean(self):
        self._derive_from_id_number(strict=True)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    @property
    def age(self):
        """Completed years today. Lists show the age, never the birth date: the birth date is
        exactly the part of the ID number that masking hides."""

        return age_on(self.birth_on, timezone.localdate())

    def _derive_from_id_number(self, *, strict):
        try:
            info = parse_id_number(self.id_number, today=timezone.localdate())
        except ValidationError as error:
            if strict:
                raise ValidationError({"id_number": error}) from None
            return
        self.id_number, self.birth_on, self.sex = info.number, info.birth_on, info.sex


class CategoryMembership(models.Model):
    """A trainee's eligible category (三(一)) and the dates it is held (R18: the category that
    counts is the one held when the class starts)."""

    trainee = models.ForeignKey(Trainee, models.CASCADE, related_name="categories", verbose_name="学员")
    category = models.CharField("培训对象类别", max_length=30, choices=TraineeCategory.choices)
    held_from = models.DateField("起始日期")
    held_until = models.DateField("终止日期", null=True, blank=True, help_text="仍属于该类别的留空。")
    evidence = models.CharField("认定依据", max_length=200, blank=True, help_text="如失业登记证号、毕业证书编号。")
    history = HistoricalRecords(verbose_name="学员类别变更记录")

    class Meta:
        verbose_name = "学员类别"
        verbose_name_plural = "学员类别"
        ordering = ["trainee", "held_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=TraineeCategory.values), name="trainees_categorymembership_category_valid", violation_error_code="category_valid",
                violation_error_message="培训对象类别无效。",
            ),
            models.CheckConstraint(
                condition=Q(held_until__isnull=True) | Q(held_until__gte=F("held_from")),
                name="trainees_categorymembership_dates_ordered", violation_error_code="dates_ordered",
                violation_error_message="终止日期不能早于起始日期。",
            ),
            models.UniqueConstraint(
                fields=["trainee", "category", "held_from"], name="trainees_categorymembership_unique", violation_error_code="unique",
                violation_error_message="该学员在同一日期已登记此类别。",
            ),
        ]

    def __str__(self):
        return f"{self.trainee.name} · {self.get_category_display()}"




class ViewPlace(models.TextChoices):
    ADMIN = "admin", "县人社局后台学员页"
    TOWNSHIP = "township", "乡镇学员页"


class IdNumberView(models.Model):
    """One showing of a trainee's full ID number (SPEC.md §2: each such view is recorded).
    Written by `trainees.services.reveal_id_number`, never edited or deleted."""

    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="id_number_views",
                                verbose_name="学员")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="查看人")
    place = models.CharField("查看位置", max_length=16, choices=ViewPlace.choices)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    viewed_at = models.DateTimeField("查看时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "完整身份证号查看记录"
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["trainee", "-viewed_at"], name="idview_trainee_time")]

    def __str__(self):
        return f"{self.viewer} 查看 {self.trainee} ({self.viewed_at:%Y-%m-%d %H:%M})"
