from django.apps import AppConfig


class NamesConfig(AppConfig):
    name = "stockade.names"
    label = "names"
    verbose_name = "Project name policy"
