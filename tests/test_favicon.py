"""A favicon of our own, served locally: pages link it and /favicon.ico answers (no 404 in the
server log for browsers that ask for it without reading the page)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_favicon_ico_sends_browsers_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("portal/favicon.ico")
    icon = Path(settings.BASE_DIR, "static", "portal", "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_and_the_admin_link_the_icon(client):
    for address in ("/accounts/login/", "/public/", "/admin/login/"):
        page = client.get(address).content.decode()
        assert f'<link rel="icon" href="{static("portal/favicon.ico")}"' in page, address
        assert f'href="{static("portal/favicon.svg")}" type="image/svg+xml"' in page, address
