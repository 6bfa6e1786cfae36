from django.apps import AppConfig


class TufConfig(AppConfig):
    name = "stockade.tuf"
    label = "tuf"
    verbose_name = "TUF repository"
