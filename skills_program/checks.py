"""Start-up guards: the process refuses to start if its defences are missing."""

import openpyxl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def ensure_openpyxl_defused():
    """Uploaded spreadsheets are parsed by openpyxl, which resists XML bombs only with defusedxml."""
    if not openpyxl.DEFUSEDXML:
        raise ImproperlyConfigured(
            "openpyxl 未启用 defusedxml,上传的表格可能包含 XML 炸弹:请安装 defusedxml 并确认未设置 OPENPYXL_DEFUSEDXML=False。"
        )


def ensure_proxy_addresses_resolvable():
    """Behind a proxy (PROXY_COUNT > 0) every request comes from the proxy's address: the client's
    is read from X-Forwarded-For by django-ipware (accounts.security.client_address, a required
    dependency imported when the accounts app loads), PROXY_COUNT deep. A negative count is a
    mistake in the environment, refused at start-up."""
    if settings.PROXY_COUNT < 0:
        raise ImproperlyConfigured(f"PROXY_COUNT={settings.PROXY_COUNT} 无效:应为应用前反向代理的层数(0、1、2…)。")
