from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse

from accounts.scope import scope_of
from accounts.security import client_address
from common.admin_mixins import (
    HistoryAdmin,
    IdNumberSearchMixin,
    NoDeleteMixin,
    PrefixSearchMixin,
    annotation_column,
    related_count,
)
from common.import_views import handle_import, template_response
from trainees.imports import TraineeRegistration
from trainees.models import CategoryMembership, IdNumberView, Trainee, ViewPlace
from trainees.services import reveal_id_number


class CategoryMembershipInline(admin.TabularInline):
    model = CategoryMembership
    extra = 0


@admin.register(Trainee)
class TraineeAdmin(NoDeleteMixin, IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("township__county", "enrolments__training_class__county")
    name_prefix_fields = ("name",)
    code_prefix_fields = ("phone",)  # the first digits only: 7 or more go through the POST box
    phone_lookup = "phone"
    list_display = ["name", "masked_id", "sex", "age", "township", "masked_phone_column", "category_count",
                    "enrolment_count", "registered_at"]
    list_filter = ["township", "sex", "education", "categories__category"]
    search_fields = ["name", "phone"]
    ordering = ["-pk"]
    list_select_related = ["township"]
    readonly_fields = ["sex", "birth_on", "registered_by", "registered_at"]
    fieldsets = [
        ("身份", {"fields": ["id_number", "name", "sex", "birth_on"],
                  "description": "出生日期和性别由身份证号自动生成,无需填写。"}),
        ("联系与户籍", {"fields": ["phone", "township", "address", "education"]}),
        ("登记", {"fields": ["registered_by", "registered_at"]}),
    ]
    inlines = [CategoryMembershipInline]
    show_full_result_count = False

    def get_queryset(self, request):
        # The roster rows through the trainee's reverse relation: the roster belongs to courses,
        # a layer above.
        enrolment = Trainee._meta.get_field("enrolments").related_model
        return super().get_queryset(request).annotate(
            _category_count=related_count(CategoryMembership, "trainee"),
            _enrolment_count=related_count(enrolment, "trainee", is_withdrawn=False),
        )

    @admin.display(description="年龄", ordering="-birth_on")
    def age(self, obj):
        return obj.age

    @admin.display(description="身份证号", ordering="id_number")
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description="联系电话")
    def masked_phone_column(self, obj):
        return obj.masked_phone

    category_count = annotation_column("_category_count", "类别数")

    enrolment_count = annotation_column("_enrolment_count", "参训次数")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The trainee's page shows the full ID number to county HR; each showing is recorded."""
        self._ensure_may_see_id_numbers(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        self._record_id_view(request, response, object_id)
        return response

    def history_view(self, request, object_id, extra_context=None):
        """The change history lists old and new ID numbers: a showing like the page itself."""
        self._ensure_may_see_id_numbers(request, object_id)
        response = super().history_view(request, object_id, extra_context)
        self._record_id_view(request, response, object_id)
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_may_see_id_numbers(request, object_id)
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._record_id_view(request, response, object_id)
        return response

    def _ensure_may_see_id_numbers(self, request, object_id):
        """The trainee's page and history show full ID numbers: county HR only (SPEC.md §2); a
        supervisor reads the masked list (a trainee outside their area is not found)."""
        if not scope_of(request.user).is_hr:
            if self.get_object(request, unquote(object_id)) is None:
                raise Http404("学员不存在或不在本辖区。")
            raise PermissionDenied("完整身份证号只向县人社局工作人员显示(SPEC §2 个人信息保护):请在学员列表中查看遮挡后的信息。")

    def _record_id_view(self, request, response, object_id):
        """A page that showed the number (a GET answered 200) is one recorded view."""

        if request.method == "GET" and response.status_code == 200:
            trainee = Trainee.objects.filter(pk=unquote(object_id)).first() if str(object_id).isdigit() else None
            if trainee is not None:
                reveal_id_number(trainee, by=request.user, place=ViewPlace.ADMIN, address=client_address(request))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.registered_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="trainees_trainee_import"),
                *super().get_urls()]

    def import_view(self, request):
        """学员登记 for any township, through the same pipeline as the township portal."""

        if not self.has_add_permission(request):
            raise PermissionDenied
        importer = TraineeRegistration(user=request.user)
        if request.GET.get("template"):
            return template_response(importer, "学员登记模板.xlsx")
        return handle_import(request, importer, kind="trainees", title="导入学员登记表",
                             back_url=reverse("admin:trainees_trainee_changelist"),
                             base_template="admin/base_site.html", extra_context=self.admin_site.each_context(request))


@admin.register(CategoryMembership)
class CategoryMembershipAdmin(IdNumberSearchMixin, PrefixSearchMixin, HistoryAdmin):
    county_paths = ("trainee__township__county", "trainee__enrolments__training_class__county")
    name_prefix_fields = ("trainee__name",)
    code_prefix_fields = ()
    id_number_lookup = "trainee__id_number"
    list_display = ["trainee", "category", "held_from", "held_until", "evidence"]
    list_filter = ["category"]
    search_fields = ["trainee__name"]
    ordering = ["-pk"]
    list_select_related = ["trainee"]
    autocomplete_fields = ["trainee"]


@admin.register(IdNumberView)
class IdNumberViewAdmin(admin.ModelAdmin):
    """Who saw which trainee's full ID number, where and when: read only, never deleted."""
    county_paths = ("trainee__township__county", "trainee__enrolments__training_class__county")

    list_display = ["viewed_at", "viewer", "trainee", "place", "address"]
    list_filter = ["place", "viewed_at"]
    search_fields = ["viewer__username", "trainee__name"]
    list_select_related = ["viewer", "trainee"]
    date_hierarchy = "viewed_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
