from django.contrib import admin


class SkillsAdminSite(admin.AdminSite):
    """The county HR bureau's back office: only HR staff (is_staff) may enter."""

    site_header = "长治县全民技能提升工程管理系统"
    site_title = "全民技能提升工程"
    index_title = "县人社局工作台"
