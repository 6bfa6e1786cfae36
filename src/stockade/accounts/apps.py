from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "stockade.accounts"
    label = "accounts"
