from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "stockade.mfa"
    label = "mfa"
    verbose_name = "Two-factor authentication"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from stockade.mfa import reauth

        # Every way of starting a session (the password page, the second step, a test's
        # force_login) counts as authenticating just now, for the re-authentication check.
        user_logged_in.connect(reauth.note_login, dispatch_uid="stockade.mfa.note_login")
