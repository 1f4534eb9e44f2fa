from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts.decorators import public
from reporting import views as reporting_views
from skills_program import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", public(RedirectView.as_view(url=lazy(static, str)("portal/favicon.ico"))), name="favicon"),
    path("accounts/login/", public(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("institution/", include("portals.institution_urls")),
    path("institution/", include("courses.urls")),
    path("institution/", include("certification.urls")),
    path("institution/", include("subsidies.urls")),
    path("township/", include("portals.township_urls")),
    path("public/", reporting_views.public_home, name="public-home"),
    path("public/objection/", reporting_views.public_objection, name="public-objection"),
    path("public/<str:code>/", reporting_views.public_county, name="public-county"),
    path("checkin/", include("checkin.urls")),
    path("documents/", include("portals.documents")),
    path("jobs/", include("portals.jobs")),
]

# MEDIA_URL is not served, not even with DEBUG: stored documents are read through the scoped
# views under /documents/ only (portals/documents.py).
