from django.urls import path

from checkin import views

app_name = "checkin"
urlpatterns = [
    path("", views.check_in, name="check-in"),
    path("sessions/<int:pk>/panel/", views.panel, name="session-panel"),
    path("sessions/<int:pk>/photos/", views.upload_photo, name="session-photos"),
    path("photos/<int:pk>/", views.photo_image, name="photo-image"),
    path("photos/<int:pk>/thumbnail/", views.photo_thumbnail, name="photo-thumbnail"),
]
