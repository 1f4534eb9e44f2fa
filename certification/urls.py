from django.urls import path

from certification import views

app_name = "certification"
urlpatterns = [
    path("classes/<int:pk>/results/", views.results, name="results"),
    path("classes/<int:pk>/employment/", views.employment, name="employment"),
    path("classes/<int:pk>/results/import/", views.import_results, name="import-results"),
    path("employment/import/", views.import_employment, name="import-employment"),
]
