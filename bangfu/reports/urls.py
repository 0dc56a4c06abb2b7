from django.urls import path

from bangfu.reports import views
from bangfu.reports.reports import KINDS

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    *[path(f"{kind}/", views.page_view(kind), name=kind) for kind in KINDS],
    path("<slug:kind>/export.<slug:fmt>", views.export, name="export"),
]
