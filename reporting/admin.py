"""The annual review (R11) and the supervision flags in the admin: the yearly institution list with
its performance page, and the flags HR resolves."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from common.admin_mixins import Change, service_action
from common.jobs import start_job, waiting_job
from common.resources import ReferenceDataAdminMixin
from institutions.models import Flag, InstitutionYear
from institutions.resources import InstitutionYearResource
from programme.models import PolicyYear
from reporting.flags import FLAG_COUNTY_PATHS, resolve_flag
from reporting.jobs import apply_performance_in_background
from reporting.selectors import annual_performance
from reporting.services import ensure_annual_performance_applicable


@admin.register(InstitutionYear)
class InstitutionYearAdmin(ReferenceDataAdminMixin, admin.ModelAdmin):
    county_paths = ("county",)
    list_display = ["institution", "policy_year", "is_listed", "is_disqualified", "disqualification_reason"]
    list_filter = ["policy_year", "is_listed", "is_disqualified"]
    search_fields = ["institution__name", "tender_reference"]
    ordering = ["-policy_year_id", "institution__name"]
    list_select_related = ["institution", "policy_year"]
    autocomplete_fields = ["institution"]
    resource_classes = [InstitutionYearResource]
    # The performance links stay: import-export's list template extends this one.
    change_list_template = "admin/institutions/institutionyear/change_list.html"

    def get_urls(self):
        return [
            path("performance/<int:year>/", self.admin_site.admin_view(self.performance_view),
                 name="institutions_institutionyear_performance"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        years = list(PolicyYear.objects.values_list("year", flat=True))
        return super().changelist_view(request, {**(extra_context or {}), "performance_years": years})

    def performance_view(self, request, year):
        """R11: each institution's pass and employment rates for the year and who loses next
        year's eligibility, with the numbers behind each decision; provisional (暂定, with the
        date they become final) until the year is closed and every employment window has
        passed, and only then may HR apply them."""
        policy_year = get_object_or_404(PolicyYear, year=year)
        today = timezone.localdate()
        if request.method == "POST" and self.has_change_permission(request):
            # The refusals that need no computing come at once; the work (every institution of a
            # province: about 4 s) runs in the background, followed on the job's page.
            try:
                ensure_annual_performance_applicable(policy_year, by=request.user, today=today)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                return redirect("admin:institutions_institutionyear_performance", year=year)
            job = waiting_job("performance", year=year, county=self.admin_site.scope_for(request).county_id) or start_job(
                apply_performance_in_background, user=request.user, kind="performance",
                title=f"将{year}年度机构绩效用于{year + 1}年度资格", is_hr_job=True,
                back_url=reverse("admin:institutions_institutionyear_performance", args=[year]),
                params={"year": year, "today": today.isoformat(),
                        "county": self.admin_site.scope_for(request).county_id})
            return redirect("jobs:detail", pk=job.pk)
        county_id = self.admin_site.scope_for(request).county_id
        p = policy_year.params_for(county_id)
        rows = annual_performance(policy_year, today=today, county_id=county_id)
        return TemplateResponse(request, "admin/institutions/performance.html", {
            **self.admin_site.each_context(request), "title": f"{year}年度培训机构绩效(R11)",
            "rows": rows, "status": rows.status, "today": today, "policy_year": policy_year, "p": p,
            "may_apply": self.has_change_permission(request), "opts": self.model._meta,
        })


class ResolveForm(forms.Form):
    note = forms.CharField(label="核查情况和处理意见", widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    county_paths = FLAG_COUNTY_PATHS
    list_display = ["kind", "summary", "institution", "evidence", "detected_at", "is_resolved", "resolved_by"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "institution"]
    search_fields = ["summary", "key", "resolution_note"]
    ordering = ["resolved_at", "-detected_at"]
    list_select_related = ["institution", "resolved_by"]
    readonly_fields = ["kind", "key", "summary", "evidence", "institution", "detected_at", "resolved_by", "resolved_at",
                       "resolution_note"]
    fields = readonly_fields
    actions = ["resolve_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="证据")
    def evidence(self, obj):
        return format_html('<a href="{}">查看</a>', obj.evidence_url) if obj.evidence_url else "—"

    @admin.display(description="已处理", boolean=True, ordering="resolved_at")
    def is_resolved(self, obj):
        return obj.resolved_at is not None

    @admin.action(description="处理所选异常(填写核查情况)")
    def resolve_selected(self, request, queryset):
        def preview(flag):
            problems = ["该异常已处理。"] if flag.resolved_at is not None else []
            return Change(flag, flag.summary, "未处理", "已处理",
                          details=[f"{flag.get_kind_display()} · {flag.institution or '—'}"], problems=problems)

        return service_action(self, request, queryset.select_related("institution"), label="处理", preview=preview,
                              form_class=ResolveForm,
                              call=lambda flag, user, data: resolve_flag(flag, by=user, note=data["note"]))
