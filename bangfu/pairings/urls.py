from django.urls import include, path

from bangfu.pairings import views

app_name = "pairings"
urlpatterns = [
    path("", views.pairing_list_view, name="pairing_list"),
    path("new/", views.pairing_create, name="pairing_create"),
    path("bulk/", views.pairings_bulk, name="pairings_bulk"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("<int:pk>/transfer/", views.pairing_transfer, name="pairing_transfer"),
    path("", include("bangfu.pairings.commitment_urls")),
    path("", include("bangfu.pairings.plan_urls")),
    path("", include("bangfu.pairings.match_urls")),
]
