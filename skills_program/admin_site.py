from django.contrib import admin


class SkillsAdminSite(admin.AdminSite):
    """The county HR bureau's back office. Only active staff whose role is county HR (or a
    superuser) may enter; an institution or township account is refused even if marked staff."""

    site_header = "长治县全民技能提升工程管理系统"
    site_title = "全民技能提升工程"
    index_title = "县人社局工作台"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from skills_program.admin_mixins import export_selected_xlsx

        self.add_action(export_selected_xlsx, "export_selected_xlsx")

    def has_permission(self, request):
        from accounts.scope import scope_of

        return super().has_permission(request) and scope_of(request.user).is_hr
