from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone


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


class PhotoFieldFile(FieldFile):
    @property
    def url(self):
        """The view that checks the reader's scope (checkin.views.photo): media files are never
        served, so a stored photo has no public address."""
        self._require_file()
        return reverse(f"checkin:photo-{self.field.name}", kwargs={"pk": self.instance.pk})


class PhotoField(models.FileField):
    """A stored photo or thumbnail (JPEG written by checkin.services under a generated name),
    linked (`.url`) to the scope-checked view."""

    attr_class = PhotoFieldFile


class SessionPhoto(models.Model):
    """A photo the clerk took during a session (现场照片), for county HR's remote inspection
    (《实施方案》三(七) 视频调阅). Uploaded only inside the session's R20 window; stored re-encoded
    by Pillow without its metadata (no location), with a thumbnail; the digest of the uploaded
    bytes keeps one photo from being used for two sessions."""

    session = models.ForeignKey("courses.Session", models.PROTECT, related_name="photos", verbose_name="课次")
    image = PhotoField("照片", upload_to="photos/sessions/%Y/")
    thumbnail = PhotoField("缩略图", upload_to="photos/thumbnails/%Y/")
    width = models.PositiveIntegerField("宽(像素)")
    height = models.PositiveIntegerField("高(像素)")
    sha256 = models.CharField("文件摘要", max_length=64, help_text="上传文件的SHA-256摘要,同一张照片不能用于两个课次。")
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True, help_text="照片自带的拍摄时间(如有),仅供参考。")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", help_text="服务器时间。")

    class Meta:
        verbose_name = "现场照片"
        verbose_name_plural = "现场照片"
        ordering = ["session", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], name="checkin_sessionphoto_one_use_per_photo",
                violation_error_code="one_use_per_photo",
                violation_error_message="这张照片已经上传过,不能重复使用:请上传本课次现场拍摄的照片。",
            ),
        ]

    def __str__(self):
        return f"{self.session} 现场照片 {timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M}"
