from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "bangfu.compliance"
    label = "compliance"
