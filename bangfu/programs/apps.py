from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "bangfu.programs"
    label = "programs"
