"""The helper's phone pages, at /m/ (docs/phone.md)."""

from django.urls import path

from bangfu.activities import phone_views

app_name = "phone"

urlpatterns = [
    path("", phone_views.home, name="home"),
    path("log/<int:pairing_id>/", phone_views.log, name="log"),
    path("sync/", phone_views.sync, name="sync"),
    path("sw.js", phone_views.service_worker, name="sw"),
]
