from django.urls import path

from institutions import views

app_name = "institutions"
urlpatterns = [
    path("", views.home, name="home"),
]
