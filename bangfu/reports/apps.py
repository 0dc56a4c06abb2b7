from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "bangfu.reports"
    label = "reports"
