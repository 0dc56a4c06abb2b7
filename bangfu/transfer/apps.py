from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "bangfu.transfer"
    label = "transfer"
