"""Deny by default: every URL the resolver knows needs a signed-in user of the right kind, except
the few pages that are public on purpose. A new view without an access decision fails here."""

import pytest
from django.conf import settings
from django.urls import resolve

from accounts.decorators import PUBLIC
from tests import factories
from tests.urlwalk import routes

pytestmark = pytest.mark.django_db

# The public pages, by name: anything else answering an anonymous visitor fails the test.
PUBLIC_PAGES = {"healthz", "login", "logout", "public-home", "public-objection", "public-county", "favicon", "admin:login",
                "checkin:check-in"}


def test_every_url_resolves_its_example_address():
    for route in routes():
        assert resolve(route.url()).func == route.callback, route.name


def test_every_portal_view_states_who_may_reach_it():
    """Portal views carry `public`, `signed_in` or `role_required`; admin views are behind the
    admin site's permission check (county HR only), which the tests below exercise."""
    undecided = [route.name for route in routes() if not route.is_admin and not hasattr(route.callback, "access")]
    assert undecided == []
    declared_public = {route.name for route in routes() if getattr(route.callback, "access", None) == PUBLIC}
    assert declared_public == PUBLIC_PAGES - {"admin:login"}


def _is_login_redirect(response):
    return response.status_code == 302 and (
        response["Location"].startswith(settings.LOGIN_URL if settings.LOGIN_URL.startswith("/") else "/accounts/login/")
        or response["Location"].startswith("/admin/login/"))


def test_anonymous_visitors_reach_only_the_public_pages(client):
    reached, refused = set(), 0
    for route in routes():
        for method in ("get", "post"):
            response = getattr(client, method)(route.url())
            if _is_login_redirect(response):
                refused += 1
            else:
                reached.add(route.name)
    assert reached == PUBLIC_PAGES
    assert refused > 300  # every other URL, both methods


def test_signed_in_users_without_a_role_reach_nothing(client):
    """An account with no profile (or a staff flag set by mistake) sees no portal and no admin."""
    for user in (factories.UserFactory(username="norole"), factories.UserFactory(username="staffnorole", is_staff=True)):
        client.force_login(user)
        answered = {}
        for route in routes():
            if route.name in PUBLIC_PAGES:
                continue
            for method in ("get", "post"):
                response = getattr(client, method)(route.url())
                if response.status_code not in (302, 403, 405) or (
                        response.status_code == 302 and "/login/" not in response["Location"]
                        and route.name != "admin:logout"):
                    answered[(route.name, method)] = response.status_code
        assert answered == {}, user.username


@pytest.mark.parametrize("make_user", [
    lambda: factories.institution_user(factories.TrainingInstitutionFactory()),
    lambda: factories.township_user(factories.TownshipFactory()),
    lambda: factories.evaluator_user(factories.EvaluationBodyFactory()),
], ids=["institution", "township", "evaluator"])
def test_portal_users_never_enter_the_admin_even_if_marked_staff(client, make_user):
    user = make_user()
    user.is_staff = True
    user.save()
    client.force_login(user)
    for route in routes():
        if route.is_admin and route.name not in ("admin:login", "admin:logout"):
            response = client.get(route.url())
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), route.name
    # The admin's own sign-out sends a non-HR user back to the admin index, which refuses them.
    assert client.get("/admin/logout/")["Location"] == "/admin/"
