"""Start-up guards: the process refuses to start if its defences are missing."""

from django.core.exceptions import ImproperlyConfigured


def ensure_openpyxl_defused():
    """Uploaded spreadsheets are parsed by openpyxl, which resists XML bombs only with defusedxml."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise ImproperlyConfigured(
            "openpyxl 未启用 defusedxml,上传的表格可能包含 XML 炸弹:请安装 defusedxml 并确认未设置 OPENPYXL_DEFUSEDXML=False。"
        )
