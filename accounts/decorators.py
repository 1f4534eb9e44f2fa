from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.scope import scope_of


def role_required(*roles):
    """Let in only users whose role is one of `roles`; others are sent to log in (anonymous)
    or refused with 403 (a user of another role)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if scope_of(request.user).role not in roles:
                raise PermissionDenied("您的账号无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
