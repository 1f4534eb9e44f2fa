from django.urls import path

from certification import views as certification_views
from portals import township as views

app_name = "trainees"
urlpatterns = [
    path("", views.home, name="home"),
    path("import/trainees/", views.import_trainees, name="import-trainees"),
    path("export/<slug:what>.xlsx", views.export, name="export"),
    path("employment/import/", certification_views.import_employment, name="import-employment"),
    path("trainees/", views.trainee_list, name="trainee-list"),
    path("trainees/new/", views.register, name="register"),
    path("trainees/<int:pk>/", views.trainee_detail, name="trainee-detail"),
    path("trainees/<int:pk>/categories/", views.categories, name="categories"),
    path("trainees/<int:pk>/voucher/", views.issue_voucher, name="issue-voucher"),
    path("trainees/<int:pk>/employment/", views.township_employment, name="record-employment"),
]
