"""County HR's view of the evidence kept beside attendance: trainees' self check-ins and the
clerks' session photos, read-only (evidence is never edited or deleted), and the photo wall of a
class, from which HR records a remote inspection (视频调阅, 《实施方案》三(七))."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from checkin import services
from checkin.forms import RemoteInspectionForm
from checkin.models import CheckIn, SessionPhoto
from checkin.selectors import photo_wall
from common.admin_mixins import (
    IdNumberSearchMixin,
    LargeTablePaginator,
    PrefixSearchMixin,
    ReadOnlyAdminMixin,
    masked_id_column,
    related_column,
)
from courses.models import TrainingClass
from institutions.models import InspectionMethod


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdminMixin, IdNumberSearchMixin, PrefixSearchMixin, admin.ModelAdmin):
    """自助签到: a trainee's own check-in, evidence beside the clerk's mark (三(七))."""
    county_paths = ("session__training_class__county",)

    paginator = LargeTablePaginator
    show_full_result_count = False
    name_prefix_fields = ("enrolment__trainee__name",)
    code_prefix_fields = ("session__training_class__code",)
    id_number_lookup = "enrolment__trainee__id_number"
    list_display = ["trainee_name", "masked_id", "class_code", "session_day", "checked_in_at", "client_address"]
    list_filter = ["session__training_class__institution", ("session__held_on", admin.DateFieldListFilter)]
    search_fields = ["enrolment__trainee__name", "session__training_class__code"]
    ordering = ["-pk"]
    # The row checkbox is labelled with str(check-in), which names the enrolment and so its class.
    list_select_related = ["enrolment__trainee", "enrolment__training_class", "session__training_class"]
    readonly_fields = ["session", "trainee_name", "masked_id", "checked_in_at", "client_address"]
    fields = readonly_fields

    trainee_name = related_column("enrolment.trainee.name", "学员")

    masked_id = masked_id_column("enrolment.trainee.id_number")

    class_code = related_column("session.training_class.code", "班级")

    session_day = related_column("session.held_on", "上课日期")


@admin.register(SessionPhoto)
class SessionPhotoAdmin(ReadOnlyAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    """现场照片: photos the clerk uploaded during a session (三(七) 视频调阅). The photos are shown
    through the scope-checked photo views, never from the media directory."""
    county_paths = ("session__training_class__county",)

    paginator = LargeTablePaginator
    show_full_result_count = False
    code_prefix_fields = ("session__training_class__code",)
    list_display = ["thumbnail_shown", "class_code", "session_day", "uploaded_by", "uploaded_at", "taken_at",
                    "pixels"]
    list_filter = ["session__training_class__institution", ("uploaded_at", admin.DateFieldListFilter)]
    search_fields = ["session__training_class__code"]
    ordering = ["-pk"]
    list_select_related = ["session__training_class", "uploaded_by"]
    readonly_fields = ["session", "wall_link", "photo_shown", "pixels", "sha256", "taken_at", "uploaded_by",
                       "uploaded_at"]
    fields = readonly_fields

    class_code = related_column("session.training_class.code", "班级")

    session_day = related_column("session.held_on", "上课日期")

    @admin.display(description="照片")
    def thumbnail_shown(self, obj):
        return format_html('<a href="{}"><img class="photo-thumb" src="{}" alt="现场照片{}" loading="lazy"></a>',
                           reverse("checkin:photo-image", args=[obj.pk]),
                           reverse("checkin:photo-thumbnail", args=[obj.pk]), obj.pk)

    @admin.display(description="照片")
    def photo_shown(self, obj):
        return format_html('<a href="{}"><img class="photo-full" src="{}" alt="现场照片{}"></a>',
                           reverse("checkin:photo-image", args=[obj.pk]),
                           reverse("checkin:photo-image", args=[obj.pk]), obj.pk)

    @admin.display(description="尺寸(像素)")
    def pixels(self, obj):
        return f"{obj.width}×{obj.height}"

    @admin.display(description="本班现场照片与考勤")
    def wall_link(self, obj):
        return format_html('<a href="{}">查看本班各课次照片与考勤(视频调阅)</a>',
                           reverse("admin:checkin_sessionphoto_wall", args=[obj.session.training_class_id]))

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["checkin/photos.css"]})

    def get_urls(self):
        return [
            path("classes/<int:class_id>/", self.admin_site.admin_view(self.wall_view),
                 name="checkin_sessionphoto_wall"),
            *super().get_urls(),
        ]

    def wall_view(self, request, class_id):
        """The photo wall of one class (三(七) 视频调阅): every session with its attendance, its
        self check-ins and its photos, sessions without a photo marked; below, the form that
        records a remote inspection of the class (services.record_remote_inspection). A fixed
        number of queries however many sessions and photos."""
        if not request.user.has_perm("courses.view_trainingclass"):
            raise PermissionDenied
        training_class = get_object_or_404(TrainingClass.objects.select_related("institution", "occupation"),
                                           pk=class_id)
        status = 200
        if request.method == "POST":
            if not request.user.has_perm("institutions.add_inspection"):
                raise PermissionDenied
            form = RemoteInspectionForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.record_remote_inspection(
                        training_class, by=request.user, inspected_on=data["inspected_on"],
                        findings=data["findings"], follow_up=data["follow_up"], is_compliant=data["is_compliant"],
                        today=timezone.localdate())
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, f"已记录对{training_class.code}的视频调阅。", messages.SUCCESS)
                    return redirect(request.path)
            status = 400
        else:
            form = RemoteInspectionForm(initial={"inspected_on": timezone.localdate()})
        rows = photo_wall(training_class)
        inspections = (training_class.inspections.filter(method=InspectionMethod.VIDEO)
                       .select_related("inspector").order_by("-inspected_on", "-pk"))
        return TemplateResponse(request, "admin/courses/trainingclass/photo_wall.html", {
            **self.admin_site.each_context(request),
            "title": f"{training_class.code} {training_class.name}:现场照片与考勤",
            "opts": TrainingClass._meta, "original": training_class, "training_class": training_class,
            "rows": rows, "without_photo": sum(1 for row in rows if not row.photos),
            "photo_count": sum(len(row.photos) for row in rows), "form": form, "inspections": inspections,
            "media": self.media, "photo_opts": self.opts,
        }, status=status)
