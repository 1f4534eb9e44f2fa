from django.urls import path

from checkin import views

app_name = "checkin"
urlpatterns = [
    path("", views.check_in, name="check-in"),
    path("sessions/<int:pk>/panel/", views.panel, name="session-panel"),
]
