from django.apps import AppConfig


class SimpleConfig(AppConfig):
    name = "stockade.simple"
    label = "simple"
