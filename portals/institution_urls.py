from django.urls import path

from portals import institution as views

app_name = "institutions"
urlpatterns = [
    path("", views.home, name="home"),
]
