"""URLs of the suggestion page, to be included in the ``pairings`` namespace (they carry no
``app_name`` of their own): ``pairings:match`` and ``pairings:match_apply``."""

from django.urls import path

from bangfu.pairings import match_views

urlpatterns = [
    path("programs/<int:pk>/match/", match_views.match, name="match"),
    path("programs/<int:pk>/match/apply/", match_views.match_apply, name="match_apply"),
]
