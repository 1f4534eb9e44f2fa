"""Who a user is and therefore what they may see (SPEC.md §1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    HR = "hr", "县人社局工作人员"
    INSTITUTION = "institution", "培训机构"
    TOWNSHIP = "township", "乡镇"
    EVALUATOR = "evaluator", "评价机构"
    CITY_SUPERVISOR = "city_supervisor", "市人社局督导"
    PROVINCE_SUPERVISOR = "province_supervisor", "省人社厅督导"


SUPERVISORS = (Role.CITY_SUPERVISOR, Role.PROVINCE_SUPERVISOR)


class UserProfile(models.Model):
    """Who a user is: county HR staff, or one institution's clerk, one township's official, or an
    evaluation body's staff. The role decides which selector scopes everything the user sees."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile", verbose_name="用户")
    role = models.CharField("身份", max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        "institutions.TrainingInstitution", models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name="培训机构",
    )
    township = models.ForeignKey(
        "programme.Township", models.PROTECT, null=True, blank=True, related_name="staff", verbose_name="乡镇"
    )
    evaluation_body = models.ForeignKey(
        "certification.EvaluationBody", models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name="评价机构",
    )
    county = models.ForeignKey(
        "programme.County", models.PROTECT, null=True, blank=True, related_name="staff", verbose_name="县(市、区)",
        help_text="县人社局工作人员所在的县;只有一个县时可以不选。",
    )
    area_code = models.CharField(
        "督导区域代码", max_length=6, blank=True,
        help_text="市人社局督导填本市区划代码(如140400),省人社厅督导填本省区划代码(如140000)。",
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户身份"
        verbose_name_plural = "用户身份"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.HR, institution__isnull=True, township__isnull=True, evaluation_body__isnull=True)
                    | Q(role=Role.INSTITUTION, institution__isnull=False, township__isnull=True,
                        evaluation_body__isnull=True)
                    | Q(role=Role.TOWNSHIP, institution__isnull=True, township__isnull=False,
                        evaluation_body__isnull=True)
                    | Q(role=Role.EVALUATOR, institution__isnull=True, township__isnull=True,
                        evaluation_body__isnull=False)
                    | Q(role__in=SUPERVISORS, institution__isnull=True, township__isnull=True,
                        evaluation_body__isnull=True)
                ),
                name="accounts_userprofile_role_matches_party", violation_error_code="role_matches_party",
                violation_error_message="身份与所属单位不一致:培训机构用户须选择机构,乡镇用户须选择乡镇,评价机构用户须选择评价机构,县人社局用户和督导不选单位。",
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.HR) | Q(county__isnull=True))
                & (Q(role=Role.PROVINCE_SUPERVISOR, area_code__regex=r"^[1-9][0-9]0000$")
                   | Q(role=Role.CITY_SUPERVISOR, area_code__regex=r"^[1-9][0-9]{3}00$") & ~Q(area_code__endswith="0000")
                   | (~Q(role__in=SUPERVISORS) & Q(area_code=""))),
                name="accounts_userprofile_area_matches_role", violation_error_code="area_matches_role",
                violation_error_message="只有县人社局工作人员选择所在县;市人社局督导填本市区划代码(末两位00),"
                                        "省人社厅督导填本省区划代码(末四位0000),其他身份不填。",
            ),
        ]

    def __str__(self):
        party = self.institution or self.township or self.evaluation_body or self.county or self.area_code or "县人社局"
        return f"{self.user.get_username()}({self.get_role_display()} · {party})"
