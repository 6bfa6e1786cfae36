from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "stockade.web"
    label = "web"
