from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "stockade.tokens"
    label = "tokens"
