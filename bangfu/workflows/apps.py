from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "bangfu.workflows"
    label = "workflows"

    def ready(self) -> None:
        # Finalising a notice that carries a case's line advances the case in the same
        # transaction: the built-in status kinds get the case step added to their applier.
        from bangfu.workflows.hooks import install

        install()
