from django.contrib import admin
from django.db.models import Count, Q

from common.admin_mixins import annotation_column
from common.admin_scope import CountyScopedInline
from common.resources import ReferenceDataAdminMixin
from institutions.models import Inspection, InstitutionYear, TrainingInstitution
from institutions.resources import TrainingInstitutionResource


class InstitutionYearInline(CountyScopedInline, admin.TabularInline):
    model = InstitutionYear
    extra = 0


@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    county_paths = ("years__county", "township__county")
    list_display = ["name", "kind", "credit_code", "responsible_person", "responsible_title", "township",
                    "class_count", "active_class_count"]
    list_filter = ["kind", "township", "years__policy_year", "years__is_disqualified"]
    search_fields = ["name", "credit_code", "responsible_person"]
    ordering = ["name"]
    list_select_related = ["township"]
    autocomplete_fields = ["township"]
    resource_classes = [TrainingInstitutionResource]
    fieldsets = [
        ("机构", {"fields": ["name", "kind", "credit_code", "township", "address"]}),
        ("第一责任人(《实施方案》三(七))", {"fields": ["responsible_person", "responsible_title", "contact_phone"]}),
    ]
    inlines = [InstitutionYearInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _class_count=Count("classes", distinct=True),
            _active_class_count=Count("classes", filter=Q(classes__status="in_progress"), distinct=True),
        )

    class_count = annotation_column("_class_count", "培训班数")

    active_class_count = annotation_column("_active_class_count", "培训中")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    county_paths = ("training_class__county", "institution__years__county", "institution__township__county")
    list_display = ["inspected_on", "institution", "training_class", "method", "is_compliant", "inspector"]
    list_filter = ["method", "is_compliant", "institution"]
    search_fields = ["institution__name", "training_class__code", "training_class__name", "findings"]
    ordering = ["-inspected_on", "-pk"]
    list_select_related = ["institution", "training_class", "inspector"]
    autocomplete_fields = ["institution", "training_class"]
    readonly_fields = ["inspector", "recorded_at"]
    fieldsets = [
        (None, {"fields": ["institution", "training_class", "inspected_on", "method"]}),
        ("检查情况", {"fields": ["findings", "is_compliant", "follow_up"]}),
        ("记录", {"fields": ["inspector", "recorded_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.inspector = request.user
        super().save_model(request, obj, form, change)
