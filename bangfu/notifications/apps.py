from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "bangfu.notifications"
    label = "notifications"
