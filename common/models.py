"""The shared plumbing's one table: the record of every uploaded spreadsheet."""

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
