from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig

from skills_program.checks import ensure_openpyxl_defused, ensure_proxy_addresses_resolvable


class AdminConfig(DjangoAdminConfig):
    default_site = "skills_program.admin_site.SkillsAdminSite"


class SkillsProgramConfig(AppConfig):
    """The project's configuration: settings, URLs, the admin site, middleware and start-up checks."""

    name = "skills_program"
    verbose_name = "项目配置"

    def ready(self):
        ensure_openpyxl_defused()
        ensure_proxy_addresses_resolvable()
        # The task queue's own admin list is in English and shows only task ids: the jobs are
        # followed on their pages (/jobs/<id>/), the queue table stays out of HR's back office.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)
