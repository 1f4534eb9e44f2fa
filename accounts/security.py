"""The security log: every sign-in, failed sign-in, lockout, sign-out and permission denial,
one line each on the `skills_program.security` logger, with the account, role, address and path
(never a query string, a form field or a password).

Pages for signed-in users carry personal data, so they are sent with `Cache-Control: no-store`:
neither the browser nor a proxy keeps a copy.
"""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.cache import patch_cache_control

from accounts.scope import scope_of

log = logging.getLogger("skills_program.security")


def client_address(request) -> str | None:
    """The client's address (behind the proxies counted by PROXY_COUNT), None when unknown."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or None


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
    """django-axes can only be imported once the apps are ready."""
    from axes.signals import user_locked_out

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
