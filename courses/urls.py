from django.urls import path, re_path

from courses import views

app_name = "courses"
urlpatterns = [
    path("classes/", views.class_list, name="class-list"),
    path("classes/new/", views.class_create, name="class-create"),
    path("classes/<int:pk>/", views.class_detail, name="class-detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class-edit"),
    path("classes/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("classes/<int:pk>/sessions/", views.schedule, name="schedule"),
    path("classes/<int:pk>/roster/print/", views.print_roster, name="print-roster"),
    path("classes/<int:pk>/roster/import/", views.import_roster, name="import-roster"),
    path("classes/<int:pk>/attendance/import/", views.import_attendance, name="import-attendance"),
    path("classes/<int:pk>/attendance/print/", views.print_attendance, name="print-attendance"),
    re_path(r"^classes/(?P<pk>[0-9]+)/(?P<action>submit|start|complete|cancel)/$", views.class_action,
            name="class-action"),
    path("enrolments/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
]
