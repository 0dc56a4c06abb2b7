from django.urls import path

from bangfu.transfer import views

app_name = "transfer"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("upload/<str:token>/errors/", views.error_file, name="errors"),
    path("upload/<str:token>/mapping/", views.mapping, name="mapping"),
    path("upload/<str:token>/confirm/", views.confirm, name="confirm"),
    path("upload/<str:token>/discard/", views.discard, name="discard"),
    path("template/", views.template, name="template"),
    path("export/", views.export, name="export"),
]
