"""`{% load session_photos %}{% session_photos session %}` on the clerk's attendance page: the
session's photos for county HR's remote inspection (三(七) 视频调阅) and, while the session's R20
window is open, the upload form."""

from django import template

from checkin.forms import SessionPhotoForm
from checkin.selectors import photo_panel

register = template.Library()


@register.inclusion_tag("checkin/_photo_panel.html", takes_context=True)
def session_photos(context, session):
    return {"panel": photo_panel(session), "form": SessionPhotoForm(), "request": context.get("request")}
