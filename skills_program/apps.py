from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "skills_program.admin_site.SkillsAdminSite"


class SkillsProgramConfig(AppConfig):
    name = "skills_program"
    verbose_name = "年度政策与乡镇"

    def ready(self):
        from skills_program.checks import ensure_openpyxl_defused, ensure_proxy_addresses_resolvable

        ensure_openpyxl_defused()
        ensure_proxy_addresses_resolvable()
