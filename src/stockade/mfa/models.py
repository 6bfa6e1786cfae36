"""Second factors: one TOTP authenticator, any number of WebAuthn credentials, recovery codes,
and each project's "every member needs two-factor authentication" flag."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238: SHA-1, 6 digits, 30-second steps).

    ``last_used_step`` is the time step of the last accepted code: a code for that step or an
    earlier one is refused, so a code seen by someone else cannot be used again.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    # The base32 secret. The database must be kept as private as the password hashes: the
    # secret has to be readable to check codes (RFC 6238), unlike a password.
    secret = models.CharField(max_length=64)
    last_used_step = models.BigIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"TOTP of {self.user_id}"


class WebAuthnCredentialQuerySet(models.QuerySet["WebAuthnCredential"]):
    def for_user(self, user_id: int) -> WebAuthnCredentialQuerySet:
        return self.filter(user_id=user_id).order_by("created", "pk")


class WebAuthnCredential(models.Model):
    """A security key or platform authenticator registered with the WebAuthn ceremony."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webauthn_credentials"
    )
    name = models.CharField(_("name"), max_length=64)
    credential_id = models.BinaryField(max_length=1023)
    # Stored as base64url text too, so it can be unique and looked up on every database.
    credential_id_b64 = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = WebAuthnCredentialQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="mfa_webauthn_name_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class RecoveryCode(models.Model):
    """One single-use recovery code, kept only as a keyed hash (see ``recovery.py``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="mfa_recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"


class ProjectMfaPolicy(models.Model):
    """A project owner's choice that every member must have a second factor to upload."""

    project = models.OneToOneField(
        "packaging.Project", on_delete=models.CASCADE, related_name="mfa_policy"
    )
    require_members = models.BooleanField(default=False)
    changed = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"2FA policy of {self.project_id}"
