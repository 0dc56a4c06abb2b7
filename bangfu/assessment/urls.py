from django.urls import path

from bangfu.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.scheme_list_view, name="scheme_list"),
    path("schemes/new/", views.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", views.scores, name="scores"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/scores.xlsx", views.scores_xlsx, name="scores_xlsx"),
    path("schemes/<int:pk>/exemplars/new/", views.exemplar_create, name="exemplar_create"),
    path("exemplars/", views.exemplar_list_view, name="exemplar_list"),
    path("exemplars/<int:pk>/unmark/", views.exemplar_delete, name="exemplar_delete"),
    path("progress/", views.progress, name="progress"),
]
