"""The figures as last computed, read by the dashboard and the public page."""

from django.db import models


class FigureSnapshot(models.Model):
    """The HR dashboard's and the public page's figures for one policy year, of one county or of
    the whole deployment (county empty), as last computed.

    A live computation aggregates every roster row of the year (a million at province scale);
    the pages read this row instead and say when it was computed. `manage.py refresh_figures`
    (cron, every few minutes) recomputes it; a page finding it older than FIGURES_MAX_AGE
    seconds, or missing, recomputes it itself.
    """

    policy_year = models.ForeignKey("programme.PolicyYear", models.CASCADE, related_name="figure_snapshots",
                                    verbose_name="政策年度")
    county = models.ForeignKey("programme.County", models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name="县(市、区)", help_text="空:整个部署(全省)的统计。")
    data = models.JSONField("统计数据")
    computed_at = models.DateTimeField("统计时间")
    seconds = models.FloatField("计算耗时(秒)")

    class Meta:
        db_table = "skills_program_figuresnapshot"  # the table keeps its name from before the apps were split
        verbose_name = verbose_name_plural = "统计快照"
        constraints = [
            models.UniqueConstraint(fields=["policy_year"], condition=models.Q(county__isnull=True),
                                    name="reporting_figuresnapshot_one_per_year"),
            models.UniqueConstraint(fields=["policy_year", "county"], condition=models.Q(county__isnull=False),
                                    name="reporting_figuresnapshot_one_per_county_year"),
        ]

    def __str__(self):
        return f"{self.policy_year} 统计({self.computed_at:%Y-%m-%d %H:%M})"
