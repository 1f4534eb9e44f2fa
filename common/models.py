"""The shared plumbing's tables: the record of every uploaded spreadsheet, and the background jobs."""

from django.db import models


class ImportBatch(models.Model):
    """One uploaded spreadsheet: kept between preview and confirmation, and afterwards as the
    record of who imported what (三(七))."""

    kind = models.CharField("导入类型", max_length=30)
    original_name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    uploaded_by = models.ForeignKey("auth.User", models.PROTECT, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    target = models.CharField("导入对象", max_length=50, blank=True, help_text="如培训班编号。")
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)
    summary = models.TextField("结果", blank=True)

    class Meta:
        db_table = "skills_program_importbatch"  # the table keeps its name from before the apps were split
        verbose_name = "表格导入记录"
        verbose_name_plural = "表格导入记录"
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.kind} {self.original_name}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "未完成"


FINISHED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class BackgroundJob(models.Model):
    """One piece of long work run by the background worker (common/jobs.py): who started it and
    from which page, how far it has got, and its outcome — a Chinese message and, where there is
    one, a file kept for download. Only the person who started it sees it, and county HR too for
    a job started in HR's back office (`is_hr_job`)."""

    kind = models.CharField("任务类型", max_length=40)
    title = models.CharField("任务", max_length=200)
    started_by = models.ForeignKey("auth.User", models.PROTECT, related_name="+", verbose_name="发起人")
    is_hr_job = models.BooleanField("县人社局共享", default=False,
                                    help_text="县人社局发起的任务:县人社局的每位工作人员都可查看进度和下载结果。")
    back_url = models.CharField("发起页面", max_length=300, blank=True)
    params = models.JSONField("任务参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("结果", blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField("结果文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["started_by", "-created_at"], name="common_job_started_by")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="common_backgroundjob_status_valid",
                violation_error_code="status_valid", violation_error_message="后台任务状态无效。",
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")), name="common_backgroundjob_done_within_total",
                violation_error_code="done_within_total", violation_error_message="已完成数不能超过总数。",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=FINISHED_JOB_STATUSES) | models.Q(finished_at__isnull=False),
                name="common_backgroundjob_finished_has_time", violation_error_code="finished_has_time",
                violation_error_message="已结束的后台任务须记录结束时间。",
            ),
            models.CheckConstraint(
                condition=models.Q(result_file="") | ~models.Q(result_name=""),
                name="common_backgroundjob_file_has_name", violation_error_code="file_has_name",
                violation_error_message="结果文件须有下载时的文件名。",
            ),
        ]

    def __str__(self):
        return f"{self.title}({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in FINISHED_JOB_STATUSES
