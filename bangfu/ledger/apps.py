from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "bangfu.ledger"
    label = "ledger"
