"""The public page of a notice, reachable without login by its unguessable token."""

from django.urls import path

from bangfu.publicity import views

app_name = "public"
urlpatterns = [
    path("<str:token>/", views.public_notice_view, name="notice"),
]
