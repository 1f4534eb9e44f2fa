from django.urls import path

from trainees import views

app_name = "trainees"
urlpatterns = [
    path("", views.home, name="home"),
    path("trainees/<int:pk>/", views.trainee_detail, name="trainee-detail"),
]
