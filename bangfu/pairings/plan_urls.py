"""URLs of the plans (帮扶计划). No ``app_name`` here: this module is included inside the
``pairings`` namespace (``path("", include("bangfu.pairings.plan_urls"))`` in the pairings URL
module), so the names are ``pairings:program_plan`` and so on."""

from django.urls import path

from bangfu.pairings import plan_views as views

urlpatterns = [
    path("programs-plan/<int:program_pk>/", views.program_plan, name="program_plan"),
    path("<int:pk>/plan/", views.pairing_plan, name="pairing_plan"),
    path("plan-measures/<int:pk>/remove/", views.plan_measure_remove, name="plan_measure_remove"),
]
