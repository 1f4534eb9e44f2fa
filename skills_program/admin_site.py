from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from accounts.scope import scope_of
from common.admin_mixins import export_selected_xlsx
from common.admin_scope import CountyScopedAdmin
from common.excel import workbook_response
from common.jobs import start_job, waiting_job
from common.routers import reads_from_replica
from programme.models import PolicyYear
from programme.selectors import current_policy_year, year_asked
from reporting import dashboard
from reporting.jobs import refresh_in_background


class SkillsAdminSite(admin.AdminSite):
    """The county HR bureau's back office. Only active staff whose role is county HR (or a
    superuser) may enter; an institution or township account is refused even if marked staff."""

    site_header = "长治县全民技能提升工程管理系统"
    site_title = "全民技能提升工程"
    index_title = "县人社局工作台"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.add_action(export_selected_xlsx, "export_selected_xlsx")

    def scope_for(self, request):
        """The user's scope (accounts.scope_of), for the county-scoped admins (common.admin_scope)."""
        return scope_of(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin holds the user's county or area (common.admin_scope)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CountyScopedAdmin):
            admin_class = type(admin_class.__name__, (CountyScopedAdmin, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
                                "county_paths": getattr(admin_class, "county_paths", None)})
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        return [path("dashboard/", self.admin_view(reads_from_replica(self.dashboard_view)), name="dashboard"),
                path("dashboard/refresh/", self.admin_view(self.refresh_view), name="dashboard_refresh"),
                *super().get_urls()]

    @method_decorator(require_POST)
    def refresh_view(self, request):
        """立即更新统计: the year's figures recomputed by the background worker (13 s for a
        province), followed on the job's page; a refresh already waiting is found, not repeated."""
        year = get_object_or_404(PolicyYear, year=year_asked(request.POST.get("year", "")))
        job = waiting_job("figures", year=year.pk) or start_job(
            refresh_in_background, user=request.user, kind="figures", title=f"更新{year.year}年度统计",
            back_url=f"{reverse('admin:dashboard')}?year={year.year}", is_hr_job=True, params={"year": year.pk})
        return redirect("jobs:detail", pk=job.pk)

    def dashboard_view(self, request):
        """HR's dashboard for the current policy year (or ?year=): tables, SVG charts, exports."""

        asked = year_asked(request.GET.get("year", ""))
        year = get_object_or_404(PolicyYear, year=asked) if asked is not None else current_policy_year()
        data, computed_at = dashboard.snapshot(year) if year else ({}, None)
        table = request.GET.get("export")
        if year and table in dashboard.TABLES:
            title, headers = dashboard.TABLES[table]
            return workbook_response(f"{year.year}年{title}.xlsx", f"{year.year}年度{title}", headers,
                                     dashboard.export_rows(table, data))
        return TemplateResponse(request, "admin/dashboard.html", {
            **self.each_context(request), "title": f"{year.year}年度工作台" if year else "工作台", "year": year,
            "data": data, "charts": dashboard.charts(data) if year else {}, "computed_at": computed_at,
            "years": PolicyYear.objects.values_list("year", flat=True),
        })

    def has_permission(self, request):
        return super().has_permission(request) and scope_of(request.user).reads_area
