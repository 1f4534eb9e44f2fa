from django import template

from accounts.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user):
    """{{ claim.reviewed_by|display_name }} -> "申丽萍" (accounts.names.display_name)."""
    return _display_name(user)
