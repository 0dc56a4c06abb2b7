from django.urls import path

from bangfu.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.entry_list_view, name="entry_list"),
    path("new/", views.entry_new, name="entry_new"),
    path("post/", views.entry_post, name="entry_post"),
    path("totals/", views.totals_view, name="totals"),
    path("export/", views.export_view, name="export"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
]
