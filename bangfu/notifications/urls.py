from django.urls import path

from bangfu.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/read/", views.mark_read_view, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("channels/", views.channel_list, name="channel_list"),
    path("channels/<int:org_pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:org_pk>/test/", views.channel_test, name="channel_test"),
]
