from django.conf import settings
from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scope import scope_of
from common.admin_mixins import export_selected_xlsx
from common.admin_scope import CountyScopedAdmin
from common.excel import workbook_response
from common.jobs import start_job, waiting_job
from common.routers import reads_from_replica
from programme.models import County, PolicyYear
from programme.selectors import current_policy_year, year_asked
from reporting import dashboard
from reporting.jobs import refresh_in_background


def _county_query(county):
    return f"&county={county.code}" if county is not None else ""


class SkillsAdminSite(admin.AdminSite):
    """The county HR bureau's back office. Only active staff whose role is county HR (or a
    superuser) may enter; an institution or township account is refused even if marked staff."""

    site_header = "长治县全民技能提升工程管理系统"
    site_title = "全民技能提升工程"
    index_title = "县人社局工作台"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.add_action(export_selected_xlsx, "export_selected_xlsx")

    def each_context(self, request):
        """The header names the user's county (county HR), their supervision (city, province), else
        the deployment (settings.DEPLOYMENT_NAME)."""
        context = super().each_context(request)
        scope = self.scope_for(request)
        if scope.county_id is not None:
            name = request.user.profile.county.name
        elif scope.is_supervisor:
            name = "市人社局督导 · " if scope.role == Role.CITY_SUPERVISOR else "省人社厅督导 · "
        else:
            name = settings.DEPLOYMENT_NAME
        context["site_header"] = f"{name}全民技能提升工程管理系统"
        return context

    def scope_for(self, request):
        """The user's scope (accounts.scope_of), for the county-scoped admins (common.admin_scope)."""
        return scope_of(request.user)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin holds the user's county or area (common.admin_scope)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CountyScopedAdmin):
            admin_class = type(admin_class.__name__, (CountyScopedAdmin, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__,
                                "county_paths": getattr(admin_class, "county_paths", None),
                                "reference_editor_roles": getattr(admin_class, "reference_editor_roles", ())})
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
        county = self._dashboard_county(request, request.POST)
        county_pk = county.pk if county is not None else None
        job = waiting_job("figures", year=year.pk, county=county_pk) or start_job(
            refresh_in_background, user=request.user, kind="figures",
            title=f"更新{county.name if county else ''}{year.year}年度统计",
            back_url=f"{reverse('admin:dashboard')}?year={year.year}{_county_query(county)}", is_hr_job=True,
            params={"year": year.pk, "county": county_pk})
        return redirect("jobs:detail", pk=job.pk)

    def _dashboard_county(self, request, query):
        """The county whose figures the dashboard shows: county HR's own; for HR of the whole
        deployment and supervisors the one asked (?county=<code>, within their area), else None
        (every county of their area)."""
        scope = self.scope_for(request)
        if scope.county_id is not None:
            return County.objects.get(pk=scope.county_id)
        code = query.get("county", "")
        if not code:
            return None
        return get_object_or_404(County.objects.filter(scope.area("")), code=code)

    def dashboard_view(self, request):
        """HR's dashboard for the current policy year (or ?year=): tables, SVG charts, exports."""

        asked = year_asked(request.GET.get("year", ""))
        year = get_object_or_404(PolicyYear, year=asked) if asked is not None else current_policy_year()
        county = self._dashboard_county(request, request.GET)
        data, computed_at = dashboard.snapshot(year, county) if year else ({}, None)
        scope = self.scope_for(request)
        # A city's supervisor sees the city's counties side by side, each county's tables on its
        # own page; the whole deployment's tables are the province's.
        overview_only = county is None and scope.role == Role.CITY_SUPERVISOR
        if data:
            data["counties"] = [row for row in data.get("counties", []) if row[0].startswith(scope.area_prefix)]
        table = request.GET.get("export")
        if year and table in dashboard.TABLES and not (overview_only and table != "counties"):
            title, headers = dashboard.TABLES[table]
            where = county.name if county else ""
            return workbook_response(f"{where}{year.year}年{title}.xlsx", f"{where}{year.year}年度{title}", headers,
                                     dashboard.export_rows(table, data))
        return TemplateResponse(request, "admin/dashboard.html", {
            **self.each_context(request), "year": year, "county": county, "overview_only": overview_only,
            "title": f"{county.name if county else ''}{year.year}年度工作台" if year else "工作台",
            "data": data, "charts": dashboard.charts(data) if year and not overview_only else {},
            "computed_at": computed_at, "county_query": _county_query(county),
            "may_choose_county": scope.county_id is None,
            "years": PolicyYear.objects.values_list("year", flat=True),
        })

    def has_permission(self, request):
        return super().has_permission(request) and scope_of(request.user).reads_area
