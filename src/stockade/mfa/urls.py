"""Second-factor pages, under ``/account/two-factor/``, and a project's requirement under
``/manage/project/<name>/two-factor/``. Included at the root by ``stockade.urls``."""

from django.urls import path

from stockade.mfa import step_views, views

app_name = "mfa"
_base = "account/two-factor/"
urlpatterns = [
    path(_base, views.mfa_settings, name="settings"),
    path(_base + "app/add/", views.add_totp, name="add-totp"),
    path(_base + "app/remove/", views.remove_totp, name="remove-totp"),
    path(_base + "keys/add/", views.add_security_key, name="add-security-key"),
    path(_base + "keys/add/options/", views.security_key_options, name="security-key-options"),
    path(_base + "keys/add/register/", views.register_security_key, name="register-security-key"),
    path(
        _base + "keys/<int:credential_pk>/remove/",
        views.remove_security_key,
        name="remove-security-key",
    ),
    path(_base + "recovery-codes/", views.show_recovery_codes, name="recovery-codes"),
    path(
        _base + "recovery-codes/regenerate/",
        views.regenerate_recovery_codes,
        name="regenerate-recovery-codes",
    ),
    path(_base + "verify/", step_views.verify, name="verify"),
    path(_base + "verify/recovery-code/", step_views.verify_recovery, name="verify-recovery"),
    path(
        _base + "verify/key/challenge/",
        step_views.security_key_challenge,
        name="security-key-challenge",
    ),
    path(_base + "verify/key/answer/", step_views.security_key_answer, name="security-key-answer"),
    path(_base + "confirm/", step_views.reauthenticate, name="reauthenticate"),
    path(
        "manage/project/<str:project_name>/two-factor/",
        views.project_policy,
        name="project-policy",
    ),
]
