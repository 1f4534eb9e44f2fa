from django.urls import path

from certification import views

app_name = "certification"
urlpatterns = [
    path("classes/<int:pk>/results/", views.results, name="results"),
    path("classes/<int:pk>/employment/", views.employment, name="employment"),
]
