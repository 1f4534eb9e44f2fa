from django import template

from common.numbers import rate_text, share_text

register = template.Library()


@register.filter
def share(value):
    """A year's parameter as the plan writes it: 0.80 -> "80%" (common.numbers.share_text)."""
    return share_text(value)


@register.filter
def percent(share):
    """0.8437 -> "84.3%" (common.numbers.rate_text, the one rate formatter)."""
    return rate_text(share)
