from django.urls import path

from bangfu.workflows import views

app_name = "workflows"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/step/", views.case_step, name="case_step"),
    path("<int:pk>/send-back/", views.case_send_back, name="case_send_back"),
    path("<int:pk>/cancel/", views.case_cancel, name="case_cancel"),
    path(
        "<int:pk>/records/<int:record_pk>/attachment/",
        views.record_attachment,
        name="record_attachment",
    ),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/mark/", views.campaign_mark, name="campaign_mark"),
    path("campaigns/<int:pk>/publish/", views.campaign_publish, name="campaign_publish"),
    path("campaigns/<int:pk>/report/", views.campaign_report, name="campaign_report"),
]
