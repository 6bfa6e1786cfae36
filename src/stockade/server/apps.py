from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "stockade.server"
    label = "server"
