from django import template

from skills_program.numbers import rate_text

register = template.Library()


@register.filter
def percent(share):
    """0.8437 -> "84.3%" (skills_program.numbers.rate_text, the one rate formatter)."""
    return rate_text(share)
