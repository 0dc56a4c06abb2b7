from django.urls import path

from bangfu.documents import views

app_name = "documents"

urlpatterns = [
    path("summary/", views.summary_view, name="summary"),
    path("summary/download/", views.summary_download, name="summary_download"),
    path("templates/", views.template_list_view, name="templates"),
    path("templates/upload/", views.template_upload, name="template_upload"),
    path("templates/default/", views.template_default, name="template_default"),
    path("templates/<int:pk>/", views.template_download, name="template_download"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("households/<int:pk>/handbook.pdf", views.handbook, name="handbook"),
]
