"""The security log: every sign-in, failed sign-in, lockout, sign-out and permission denial,
one line each on the `skills_program.security` logger, with the account, role, address and path
(never a query string, a form field or a password). A refused request (403) is that one line:
`skills_program.log_filters.OneLinePerRefusal` keeps Django's own report of it, with its traceback, out of the server log.

Pages for signed-in users carry personal data, so they are sent with `Cache-Control: no-store`:
neither the browser nor a proxy keeps a copy.
"""

import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.cache import patch_cache_control
from ipware.ip import get_client_ip

from accounts.scope import scope_of

log = logging.getLogger("skills_program.security")


def client_address(request) -> str | None:
    """The client's address, None when unknown: the one address that django-axes locks out
    (settings.AXES_CLIENT_IP_CALLABLE), the security log writes and a full-ID view records.

    `PROXY_COUNT` is the number of reverse proxies in front of the application, each of which
    appends the address it was reached from to X-Forwarded-For (nginx's
    `$proxy_add_x_forwarded_for`). With 0 the header is never read: REMOTE_ADDR is the client.
    With N the client is the N-th address from the right; whatever stands left of it was sent by
    the client and may be forged ("1.2.3.4, <real>" is the real one behind one proxy). A header
    with fewer addresses did not pass all the proxies, so REMOTE_ADDR is used.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.PROXY_COUNT
    if hops <= 0:
        return remote
    # django-ipware (checked at start-up when PROXY_COUNT > 0) parses the header: ports, IPv6,
    # malformed entries. Its proxy_count counts the proxies listed after the client, and the
    # proxy nearest the application is REMOTE_ADDR, not listed: hence hops - 1. strict=False
    # lets a client's own junk entries, always left of the real address, be skipped.

    address, _ = get_client_ip(request, proxy_count=hops - 1, strict=False,
                               request_header_order=("HTTP_X_FORWARDED_FOR",))
    return address or remote


def _who(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return f"user={user.pk}({user.get_username()}) role={scope_of(user).role or '-'}"


@receiver(user_logged_in, dispatch_uid="security_log_login")
def log_login(sender, request, user, **kwargs):
    log.info("login succeeded %s ip=%s", _who(user), client_address(request) or "-")


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def log_logout(sender, request, user, **kwargs):
    log.info("logout %s ip=%s", _who(user), client_address(request) or "-")


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed username=%r ip=%s", (credentials or {}).get("username", ""),
                client_address(request) or "-")


def log_lockout(sender, request, username, ip_address, **kwargs):
    log.warning("login locked out username=%r ip=%s for 30 minutes after 5 failures", username, ip_address)


def connect_lockout_log():
    """The lockout line on django-axes's signal (called from AccountsConfig.ready: axes's
    signals module loads its models, so it is imported once the app registry is ready)."""
    user_locked_out.connect(log_lockout, dispatch_uid="security_log_lockout")


class SecurityHeadersAndLogMiddleware:
    """Log every refusal (403) with who asked for what, and keep signed-in pages out of caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code == 403:
            log.warning("permission denied %s %s %s ip=%s", _who(user), request.method, request.path,
                        client_address(request) or "-")
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response
