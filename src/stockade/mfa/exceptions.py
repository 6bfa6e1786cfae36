"""Why a second-factor action failed. Messages are fit to show the person who tried."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MfaError(Exception):
    """Base class; ``str(e)`` is the message to show."""


class InvalidCodeError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("That code is not right. Enter the current code from your app."))


class ReplayedCodeError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("That code was already used. Wait for your app to show the next code."))


class ClockSkewError(MfaError):
    def __init__(self, offset_seconds: int) -> None:
        self.offset_seconds = offset_seconds
        minutes = max(1, round(abs(offset_seconds) / 60))
        super().__init__(
            ngettext(
                "That code belongs to a time about %(minutes)d minute away from ours: the clock "
                "of your device is wrong. Set it to update automatically, then try again.",
                "That code belongs to a time about %(minutes)d minutes away from ours: the clock "
                "of your device is wrong. Set it to update automatically, then try again.",
                minutes,
            )
            % {"minutes": minutes}
        )


class InvalidRecoveryCodeError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("That recovery code is not right, or it was already used."))


class TotpAlreadyEnabledError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("An authenticator app is already set up. Remove it first."))


class TotpNotEnabledError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("No authenticator app is set up."))


class CredentialNotFoundError(MfaError):
    def __init__(self) -> None:
        super().__init__(_("No such security key."))


class CredentialNameTakenError(MfaError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(_("You already have a security key named “%(name)s”.") % {"name": name})


class WebAuthnCeremonyError(MfaError):
    """The browser's answer to a WebAuthn challenge did not verify."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(
            _("The security key's answer could not be verified. Try again, or use another factor.")
        )


class NoSecondFactorError(MfaError):
    def __init__(self) -> None:
        super().__init__(
            _("Add a second factor to your own account before requiring one of others.")
        )
