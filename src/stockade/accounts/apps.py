from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "stockade.accounts"
    label = "accounts"

    def ready(self) -> None:
        from stockade.accounts.checks import check_rate_settings

        checks.register(check_rate_settings)
