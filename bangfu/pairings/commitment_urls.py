"""URLs of the commitment letters (双承诺). No ``app_name`` here: this module is included inside
the ``pairings`` namespace, e.g. ``path("", include("bangfu.pairings.commitment_urls"))`` in the
pairings URL module, so the names are ``pairings:commitment_docx`` and so on."""

from django.urls import path

from bangfu.pairings import commitment_views as views

urlpatterns = [
    path("<int:pk>/commitment/<str:side>.docx", views.commitment_docx, name="commitment_docx"),
    path("<int:pk>/commitment/<str:side>.pdf", views.commitment_pdf, name="commitment_pdf"),
    path("<int:pk>/commitment/<str:side>/sign/", views.commitment_sign, name="commitment_sign"),
    path("commitments/unsigned/", views.commitments_unsigned, name="commitments_unsigned"),
]
