"""Second factors: enrol, remove and use them; recovery codes; a project's requirement.

Each action is one function that opens its transaction, records its audit event (``mfa:*``)
in it and mails the account's owner after commit. Services take the audit ``actor`` and plain
values; the WebAuthn relying party and challenge come from the edge, which keeps the challenge
in the session. The acting user is ``actor.user`` for changes people make to their own account;
during a second step, when nobody is logged in yet, the user is passed as ``user``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from stockade.accounts.models import User
from stockade.audit.services import Actor, Tag, record_event
from stockade.mail import send_templated_email
from stockade.mfa import ceremony, recovery, totp
from stockade.mfa.ceremony import RelyingParty, StoredCredential
from stockade.mfa.exceptions import (
    ClockSkewError,
    CredentialNameTakenError,
    CredentialNotFoundError,
    InvalidCodeError,
    InvalidRecoveryCodeError,
    ReplayedCodeError,
    TotpAlreadyEnabledError,
    TotpNotEnabledError,
    WebAuthnCeremonyError,
)
from stockade.mfa.models import RecoveryCode, TotpDevice, WebAuthnCredential
from stockade.mfa.policy import has_second_factor

logger = logging.getLogger(__name__)

Method = Literal["totp", "webauthn", "recovery-code"]


@dataclass(frozen=True)
class FactorSummary:
    """What a user has enrolled, for the settings page and the second step."""

    has_totp: bool
    credentials: list[WebAuthnCredential]
    recovery_codes_left: int

    @property
    def has_any(self) -> bool:
        return self.has_totp or bool(self.credentials)


def summarize_factors(user: User) -> FactorSummary:
    return FactorSummary(
        has_totp=TotpDevice.objects.filter(user=user).exists(),
        credentials=list(WebAuthnCredential.objects.for_user(user.pk)),
        recovery_codes_left=RecoveryCode.objects.filter(user=user, used__isnull=True).count(),
    )


# Authenticator apps (TOTP).


@sensitive_variables("secret", "code")
def enable_totp(*, actor: Actor, secret: str, code: str, now: float | None = None) -> list[str]:
    """Add an authenticator app to the actor's account once a code from it checks out.

    Records ``mfa:totp-add``. The confirming code counts as used (it cannot log in later).

    Returns:
        New recovery codes when this is the account's first factor (shown once), else ``[]``.

    Raises:
        TotpAlreadyEnabledError, InvalidCodeError, ReplayedCodeError, ClockSkewError.
    """
    user = actor.require_user()
    check = _checked(totp.check_code(secret, code, now=now))
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        if TotpDevice.objects.filter(user=user).exists():
            raise TotpAlreadyEnabledError
        first = not has_second_factor(user.pk)
        TotpDevice.objects.create(user=user, secret=secret, last_used_step=check.step)
        record_event(tag=Tag.MFA_TOTP_ADD, actor=actor, subject=user)
        codes = _replace_recovery_codes(user) if first else []
    _mail_after_commit(user, "mfa/emails/factor_added", {"factor": _factor_label("totp")})
    return codes


@sensitive_variables("secret")
def enrol_totp_by_operator(*, actor: Actor, user: User) -> tuple[str, list[str]]:
    """Give ``user`` an authenticator app without a confirming code (``stockade user create``).

    Records ``mfa:totp-add``. Returns the secret, for the operator to hand over, and recovery
    codes when it is the account's first factor.

    Raises:
        TotpAlreadyEnabledError.
    """
    secret = totp.new_secret()
    with transaction.atomic():
        if TotpDevice.objects.filter(user=user).exists():
            raise TotpAlreadyEnabledError
        first = not has_second_factor(user.pk)
        TotpDevice.objects.create(user=user, secret=secret)
        record_event(tag=Tag.MFA_TOTP_ADD, actor=actor, subject=user)
        codes = _replace_recovery_codes(user) if first else []
    _mail_after_commit(user, "mfa/emails/factor_added", {"factor": _factor_label("totp")})
    return secret, codes


@sensitive_variables("code")
def remove_totp(*, actor: Actor, code: str, now: float | None = None) -> None:
    """Remove the actor's authenticator app after one more valid code from it.

    Records ``mfa:totp-remove``. Removing the last factor also removes the recovery codes.

    Raises:
        TotpNotEnabledError, InvalidCodeError, ReplayedCodeError, ClockSkewError.
    """
    user = actor.require_user()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise TotpNotEnabledError
        _consume_totp(device, code, now=now)
        device.delete()
        record_event(tag=Tag.MFA_TOTP_REMOVE, actor=actor, subject=user)
        _drop_recovery_codes_without_factors(user)
    _mail_after_commit(user, "mfa/emails/factor_removed", {"factor": _factor_label("totp")})


@sensitive_variables("code")
def verify_totp(*, actor: Actor, user: User, code: str, now: float | None = None) -> None:
    """Pass the second step with a code from the user's authenticator app.

    A failure records ``mfa:second-step-failed`` and mails the user.

    Raises:
        TotpNotEnabledError, InvalidCodeError, ReplayedCodeError, ClockSkewError.
    """
    try:
        with transaction.atomic():
            device = TotpDevice.objects.select_for_update().filter(user=user).first()
            if device is None:
                raise TotpNotEnabledError
            _consume_totp(device, code, now=now)
    except (InvalidCodeError, ReplayedCodeError, ClockSkewError) as e:
        record_second_step_failure(actor=actor, user=user, method="totp", reason=_reason(e))
        raise


def _consume_totp(device: TotpDevice, code: str, *, now: float | None) -> None:
    """Check ``code`` and remember its step (the caller holds the row lock)."""
    check = _checked(totp.check_code(device.secret, code, last_step=device.last_used_step, now=now))
    device.last_used_step = check.step
    device.last_used = timezone.now()
    device.save(update_fields=["last_used_step", "last_used"])


def _checked(check: totp.Check) -> totp.Check:
    if check.verdict is totp.Verdict.ACCEPTED:
        return check
    if check.verdict is totp.Verdict.REPLAYED:
        raise ReplayedCodeError
    if check.verdict is totp.Verdict.CLOCK_SKEW:
        raise ClockSkewError(check.offset_seconds)
    raise InvalidCodeError


# Security keys and platform authenticators (WebAuthn).


def begin_webauthn_registration(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """Return the registration options (JSON) and the challenge to keep in the session."""
    existing = [_stored(c) for c in WebAuthnCredential.objects.for_user(user.pk)]
    return ceremony.registration_options(
        rp=rp, user_handle=_user_handle(user), username=user.get_username(), exclude=existing
    )


def add_webauthn_credential(
    *, actor: Actor, rp: RelyingParty, challenge: bytes, credential: dict[str, Any], name: str
) -> tuple[WebAuthnCredential, list[str]]:
    """Register the credential the browser created for ``challenge``, under ``name``.

    Records ``mfa:webauthn-add``.

    Returns:
        The credential, and new recovery codes when it is the account's first factor.

    Raises:
        WebAuthnCeremonyError, CredentialNameTakenError.
    """
    user = actor.require_user()
    name = name.strip()[:64]
    new = ceremony.verify_registration(rp=rp, challenge=challenge, credential=credential)
    try:
        with transaction.atomic():
            User.objects.select_for_update().get(pk=user.pk)
            if WebAuthnCredential.objects.filter(user=user, name=name).exists():
                raise CredentialNameTakenError(name)
            first = not has_second_factor(user.pk)
            stored = WebAuthnCredential.objects.create(
                user=user,
                name=name,
                credential_id=new.credential_id,
                credential_id_b64=ceremony.encode_id(new.credential_id),
                public_key=new.public_key,
                sign_count=new.sign_count,
                transports=list(new.transports),
            )
            record_event(
                tag=Tag.MFA_WEBAUTHN_ADD, actor=actor, subject=user, details={"name": name}
            )
            codes = _replace_recovery_codes(user) if first else []
    except IntegrityError as e:
        # The same authenticator registered twice (possibly on another account).
        raise WebAuthnCeremonyError("credential already registered") from e
    label = _factor_label("webauthn", name)
    _mail_after_commit(user, "mfa/emails/factor_added", {"factor": label})
    return stored, codes


def remove_webauthn_credential(*, actor: Actor, credential_pk: int) -> None:
    """Remove one of the actor's security keys. Records ``mfa:webauthn-remove``.

    Raises:
        CredentialNotFoundError: no such key on the actor's account.
    """
    user = actor.require_user()
    with transaction.atomic():
        stored = (
            WebAuthnCredential.objects.select_for_update()
            .filter(user=user, pk=credential_pk)
            .first()
        )
        if stored is None:
            raise CredentialNotFoundError
        name = stored.name
        record_event(tag=Tag.MFA_WEBAUTHN_REMOVE, actor=actor, subject=user, details={"name": name})
        stored.delete()
        _drop_recovery_codes_without_factors(user)
    label = _factor_label("webauthn", name)
    _mail_after_commit(user, "mfa/emails/factor_removed", {"factor": label})


def begin_webauthn_authentication(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """Return the authentication options (JSON) and the challenge to keep in the session."""
    allow = [_stored(c) for c in WebAuthnCredential.objects.for_user(user.pk)]
    return ceremony.authentication_options(rp=rp, allow=allow)


def verify_webauthn(
    *, actor: Actor, user: User, rp: RelyingParty, challenge: bytes, credential: dict[str, Any]
) -> WebAuthnCredential:
    """Pass the second step with one of the user's security keys; keep its signature counter.

    A failure records ``mfa:second-step-failed`` and mails the user.

    Raises:
        WebAuthnCeremonyError: unknown key, a bad signature, or a counter that went backwards.
    """
    try:
        with transaction.atomic():
            raw_id = ceremony.credential_id_of(credential)
            stored = (
                WebAuthnCredential.objects.select_for_update()
                .filter(user=user, credential_id_b64=ceremony.encode_id(raw_id))
                .first()
            )
            if stored is None:
                raise WebAuthnCeremonyError("unknown credential")
            assertion = ceremony.verify_authentication(
                rp=rp, challenge=challenge, credential=credential, stored=_stored(stored)
            )
            stored.sign_count = assertion.new_sign_count
            stored.last_used = timezone.now()
            stored.save(update_fields=["sign_count", "last_used"])
    except WebAuthnCeremonyError as e:
        logger.info("WebAuthn assertion refused for user %s: %s", user.pk, e.detail)
        record_second_step_failure(actor=actor, user=user, method="webauthn", reason="invalid")
        raise
    return stored


def _stored(credential: WebAuthnCredential) -> StoredCredential:
    return StoredCredential(
        credential_id=bytes(credential.credential_id),
        public_key=bytes(credential.public_key),
        sign_count=credential.sign_count,
        transports=tuple(credential.transports or ()),
    )


def _user_handle(user: User) -> bytes:
    # An opaque, stable handle; WebAuthn forbids personal data such as the name here.
    return f"stockade-user-{user.pk}".encode()


# Recovery codes.


@sensitive_variables("code")
def use_recovery_code(*, actor: Actor, user: User, code: str) -> int:
    """Pass the second step with a recovery code, which is burnt. Records ``mfa:recovery-used``.

    Returns:
        How many unused codes are left.

    Raises:
        InvalidRecoveryCodeError: no unused code matches (also records a failed second step).
    """
    hashes = recovery.candidate_hashes(code)
    with transaction.atomic():
        burnt = RecoveryCode.objects.filter(
            user=user, code_hash__in=hashes, used__isnull=True
        ).update(used=timezone.now())
        if burnt:
            remaining = RecoveryCode.objects.filter(user=user, used__isnull=True).count()
            record_event(
                tag=Tag.MFA_RECOVERY_USED,
                actor=actor,
                subject=user,
                details={"remaining": remaining},
            )
    if not burnt:
        record_second_step_failure(actor=actor, user=user, method="recovery-code", reason="invalid")
        raise InvalidRecoveryCodeError
    _mail_after_commit(user, "mfa/emails/recovery_used", {"remaining": remaining})
    return remaining


def regenerate_recovery_codes(*, actor: Actor) -> list[str]:
    """Replace all of the actor's recovery codes. Records ``mfa:recovery-regenerate``.

    Raises:
        TotpNotEnabledError: the account has no second factor for the codes to stand in for.
    """
    user = actor.require_user()
    with transaction.atomic():
        if not has_second_factor(user.pk):
            raise TotpNotEnabledError
        codes = _replace_recovery_codes(user)
        record_event(tag=Tag.MFA_RECOVERY_REGENERATE, actor=actor, subject=user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    codes = recovery.generate_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=recovery.hash_code(code)) for code in codes
    )
    return codes


def _drop_recovery_codes_without_factors(user: User) -> None:
    if not has_second_factor(user.pk):
        RecoveryCode.objects.filter(user=user).delete()


# Failures and mail.


def record_second_step_failure(
    *, actor: Actor, user: User, method: Method, reason: str, notify: bool = True
) -> None:
    """Record ``mfa:second-step-failed`` and mail the user (the password was right).

    ``notify=False`` skips the mail, for attempts refused by the rate limit: the failures that
    led to the limit were mailed already.
    """
    record_event(
        tag=Tag.MFA_SECOND_STEP_FAILED,
        actor=actor,
        subject=user,
        details={"method": method, "reason": reason},
    )
    logger.info("Second step failed for user %s (%s, %s)", user.pk, method, reason)
    context = {"method": method, "reason": reason, "ip": actor.ip or ""}
    if notify:
        _mail_after_commit(user, "mfa/emails/second_step_failed", context)


def _reason(error: Exception) -> str:
    if isinstance(error, ReplayedCodeError):
        return "replayed"
    if isinstance(error, ClockSkewError):
        return "clock-skew"
    return "invalid"


def _factor_label(kind: str, name: str = "") -> str:
    from django.utils.translation import gettext as _

    if kind == "totp":
        return str(_("an authenticator app"))
    return str(_("the security key “%(name)s”") % {"name": name})


def _mail_after_commit(user: User, template: str, context: dict[str, Any]) -> None:
    address = user.emails.filter(primary=True, verified=True).values_list("email", flat=True)
    recipients = list(address)

    def send() -> None:
        send_templated_email(
            to=recipients,
            template=template,
            context={
                "user": user,
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                **context,
            },
        )

    if recipients:
        transaction.on_commit(send)
