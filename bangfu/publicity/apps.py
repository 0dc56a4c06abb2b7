from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "bangfu.publicity"
    label = "publicity"
