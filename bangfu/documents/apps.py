from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bangfu.documents"
    label = "documents"
