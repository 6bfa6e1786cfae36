"""Signed, expiring tokens that prove someone received mail at an address.

A token names one ``Email`` row and is bound to that row's address and owner through an HMAC, so
it is useless for any other address, for the same address added again later, or for any other
purpose (the signing salt is this module's own). It expires after
``settings.STOCKADE_EMAIL_VERIFY_MAX_AGE`` seconds. Verifying twice is harmless: the second use
finds the address already verified.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from stockade.accounts.exceptions import (
    VerificationLinkExpiredError,
    VerificationLinkInvalidError,
)
from stockade.accounts.models import Email

_SALT = "stockade.accounts.verification"


def _state_digest(email: Email) -> str:
    state = f"{email.pk}:{email.user_id}:{email.email.lower()}:{email.created.timestamp()}"
    return salted_hmac(_SALT, state, algorithm="sha256").hexdigest()[:32]


def make_token(email: Email) -> str:
    """Return a token that verifies ``email`` until it expires."""
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"e": email.pk, "h": _state_digest(email)}
    )


def check_token(token: str) -> Email:
    """Return the ``Email`` that ``token`` verifies.

    Raises:
        VerificationLinkExpiredError: the signature is good but older than the allowed age.
        VerificationLinkInvalidError: the token is malformed, tampered with, or its address was
            removed or changed since it was made.
    """
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.STOCKADE_EMAIL_VERIFY_MAX_AGE)
    except signing.SignatureExpired as e:
        raise VerificationLinkExpiredError from e
    except (signing.BadSignature, ValueError) as e:
        raise VerificationLinkInvalidError from e
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int):
        raise VerificationLinkInvalidError
    email = Email.objects.select_related("user").filter(pk=payload["e"]).first()
    if email is None or not constant_time_compare(str(payload.get("h")), _state_digest(email)):
        raise VerificationLinkInvalidError
    return email
