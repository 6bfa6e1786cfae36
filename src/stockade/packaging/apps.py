from django.apps import AppConfig


class PackagingConfig(AppConfig):
    name = "stockade.packaging"
    label = "packaging"
