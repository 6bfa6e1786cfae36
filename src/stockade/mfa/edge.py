"""Helpers the second-factor views share: the relying party, JSON bodies, session values."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.http.request import RawPostDataException
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from stockade.mfa.ceremony import RelyingParty, relying_party

NEW_RECOVERY_CODES = "mfa:new-recovery-codes"
TOTP_ENROLMENT_KEY = "mfa:totp-secret"
_CHALLENGE = "mfa:webauthn-challenge:"


def rp_for(request: HttpRequest) -> RelyingParty:
    return relying_party(
        base_url=settings.BASE_URL,
        request_origin=f"{request.scheme}://{request.get_host()}",
        name=settings.SITE_NAME,
        rp_id=getattr(settings, "STOCKADE_WEBAUTHN_RP_ID", ""),
        origin=getattr(settings, "STOCKADE_WEBAUTHN_ORIGIN", ""),
    )


def keep_challenge(request: HttpRequest, purpose: str, challenge: bytes) -> None:
    request.session[_CHALLENGE + purpose] = bytes_to_base64url(challenge)


def take_challenge(request: HttpRequest, purpose: str) -> bytes | None:
    """Return the kept challenge and forget it: each challenge answers one ceremony."""
    value = request.session.pop(_CHALLENGE + purpose, None)
    return base64url_to_bytes(value) if isinstance(value, str) else None


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or {} for anything else (the view then answers 400).

    A form-encoded or multipart body has already been read by the CSRF check, after which Django
    refuses to give the raw bytes (RawPostDataException): that is not JSON either.
    """
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RawPostDataException):
        return {}
    return data if isinstance(data, dict) else {}


def json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
