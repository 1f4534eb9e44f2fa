from decimal import ROUND_DOWN, Decimal

from django import template

register = template.Library()


@register.filter
def percent(share):
    """0.8437 -> "84.3%": truncated, never rounded up across a threshold."""
    if share is None or share == "":
        return "—"
    value = (Decimal(share) * 100).quantize(Decimal("0.1"), ROUND_DOWN)
    return f"{value}%"
