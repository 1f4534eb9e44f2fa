"""Start-up checks: the process refuses to serve if its defences are missing."""

from django.core import checks


@checks.register(checks.Tags.security)
def openpyxl_uses_defusedxml(app_configs, **kwargs):
    """Spreadsheets are parsed by openpyxl, which is safe from XML bombs only with defusedxml."""
    from openpyxl import DEFUSEDXML

    if DEFUSEDXML:
        return []
    return [
        checks.Error(
            "openpyxl 未启用 defusedxml,上传的表格可能包含 XML 炸弹。",
            hint="请安装 defusedxml(pip install defusedxml)后重新启动。",
            id="skills_program.E001",
        )
    ]
