from django.urls import path

from bangfu.publicity import views

app_name = "publicity"
urlpatterns = [
    path("", views.notice_list_view, name="notice_list"),
    path("new/", views.notice_new, name="notice_new"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/publish/", views.notice_publish, name="notice_publish"),
    path("<int:pk>/finalise/", views.notice_finalise, name="notice_finalise"),
    path("<int:pk>/pdf/", views.notice_pdf_view, name="notice_pdf"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/correct/", views.item_correct, name="item_correct"),
    path("<int:pk>/objections/new/", views.objection_new, name="objection_new"),
    path(
        "<int:pk>/objections/<int:objection_pk>/handle/",
        views.objection_handle,
        name="objection_handle",
    ),
]
