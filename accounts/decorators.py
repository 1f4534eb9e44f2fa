"""Every view states who may reach it (deny by default, SPEC.md §1).

`LoginRequiredMiddleware` sends anyone not signed in to the login page unless the view is
`public`. Each portal view then carries one of these decorators, which also records the decision
on the view (`view.access`) so that a test walking the URL resolver finds any view without one.
The HR back office is the admin site, whose `has_permission` admits county HR only.
"""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.scope import scope_of

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view):
    """Anyone, signed in or not: the login page, the health probe and the public figures."""
    view = login_not_required(view)
    view.access = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user, whatever their role (the view itself decides what each role sees)."""
    view.access = SIGNED_IN
    return view


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

        wrapped.access = tuple(roles)
        return wrapped

    return decorator
