from django.urls import path

from bangfu.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list_view, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("households/", views.household_list_view, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household_reveal"),
    path("households/<int:pk>/members/add/", views.member_add, name="member_add"),
    path("households/<int:pk>/status/", views.status_add, name="status_add"),
    path("households/<int:pk>/income/", views.income_add, name="income_add"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.household_merge, name="household_merge"),
    path("status/", views.status_report, name="status_report"),
    path("helpers/", views.helper_list_view, name="helper_list"),
    path("helpers/new/<int:person_pk>/", views.helper_create, name="helper_create"),
    path("helpers/<int:pk>/edit/", views.helper_edit, name="helper_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("quality/", views.quality, name="quality"),
    path("income-lines/", views.income_lines, name="income_lines"),
]
