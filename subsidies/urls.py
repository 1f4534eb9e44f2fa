from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("classes/<int:pk>/claims/", views.class_claims, name="class-claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim-submit"),
    path("claims/<int:pk>/print/", views.claim_print, name="claim-print"),
    path("claim-lines/<int:pk>/remove/", views.line_remove, name="line-remove"),
    path("claims/<int:pk>/export.xlsx", views.claim_export, name="claim-export"),
]
