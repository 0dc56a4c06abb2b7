from django.urls import path

from bangfu.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list_view, name="activity_list"),
    path("new/", views.activity_new, name="activity_new"),
    path("timeline/", views.activity_timeline, name="activity_timeline"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.docx", views.export_docx, name="export_docx"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.photo_view, name="photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("events/", views.event_list_view, name="event_list"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/answer/", views.event_answer, name="event_answer"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
]
