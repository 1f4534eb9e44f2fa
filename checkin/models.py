from django.db import models


class CheckIn(models.Model):
    """A trainee's own check-in to a session (自助签到): evidence that they were there, kept beside
    the clerk's attendance mark, never a mark itself (《实施方案》三(七) 实时监控、严格考勤)."""

    session = models.ForeignKey("courses.Session", models.PROTECT, related_name="check_ins", verbose_name="课次")
    enrolment = models.ForeignKey("courses.Enrolment", models.PROTECT, related_name="check_ins", verbose_name="学员名册")
    checked_in_at = models.DateTimeField("签到时间")
    client_address = models.GenericIPAddressField("签到地址", null=True, blank=True,
                                                  help_text="学员手机访问时的网络地址。")

    class Meta:
        verbose_name = "自助签到"
        verbose_name_plural = "自助签到"
        ordering = ["session", "checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="checkin_checkin_one_per_enrolment_and_session",
                violation_error_code="one_per_enrolment_and_session",
                violation_error_message="该学员本课次已签到。",
            ),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.checked_in_at:%Y-%m-%d %H:%M}"
