from django.urls import path

from bangfu.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list_view, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
]
