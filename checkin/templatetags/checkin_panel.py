"""`{% load checkin_panel %}{% checkin_panel session %}` on the clerk's attendance page: the
session's QR code and short code and each trainee's check-in beside their mark."""

import segno
from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from checkin.selectors import session_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def checkin_url(context, code=""):
    """The absolute address a trainee's phone opens, with the code filled in when given."""
    path = reverse("checkin:check-in") + (f"?{urlencode({'c': code})}" if code else "")
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.simple_tag(takes_context=True)
def checkin_qr(context, code):
    """The QR code of checkin_url as inline SVG, drawn here (segno): no image service, no script."""
    qr = segno.make(checkin_url(context, code), error="m")
    return mark_safe(qr.svg_inline(scale=5, border=2, svgclass="checkin-qr", title="签到二维码"))


@register.inclusion_tag("checkin/_session_panel.html", takes_context=True)
def checkin_panel(context, session):
    return {"panel": session_panel(session), "request": context.get("request")}
