"""The figures as last computed, read by the dashboard and the public page."""

from django.db import models


class FigureSnapshot(models.Model):
    """The HR dashboard's and the public page's figures for one policy year, as last computed.

    A live computation aggregates every roster row of the year (a million at province scale);
    the pages read this row instead and say when it was computed. `manage.py refresh_figures`
    (cron, every few minutes) recomputes it; a page finding it older than FIGURES_MAX_AGE
    seconds, or missing, recomputes it itself.
    """

    policy_year = models.OneToOneField("programme.PolicyYear", models.CASCADE, related_name="figure_snapshot",
                                       verbose_name="政策年度")
    data = models.JSONField("统计数据")
    computed_at = models.DateTimeField("统计时间")
    seconds = models.FloatField("计算耗时(秒)")

    class Meta:
        db_table = "skills_program_figuresnapshot"  # the table keeps its name from before the apps were split
        verbose_name = verbose_name_plural = "统计快照"

    def __str__(self):
        return f"{self.policy_year} 统计({self.computed_at:%Y-%m-%d %H:%M})"
