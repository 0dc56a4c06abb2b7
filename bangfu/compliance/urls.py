from django.urls import path

from bangfu.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.board_view, name="board"),
    path("missed/", views.missed_view, name="board_missed"),
    path("events/", views.events_view, name="events_unanswered"),
    path("tasks/", views.tasks_view, name="my_tasks"),
]
