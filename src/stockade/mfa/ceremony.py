"""The WebAuthn ceremonies (registration and authentication), done by ``py_webauthn``.

Options go to the browser as JSON; the challenge stays on the server (in the session) and the
browser's answer is verified against it, the relying party id and the expected origin. Nothing
here touches the database: ``services`` stores and updates the credentials.

The relying party is derived from ``STOCKADE_BASE_URL`` when set (its host is the RP id, its
scheme and host the origin), else from the request's own host; ``STOCKADE_WEBAUTHN_RP_ID`` and
``STOCKADE_WEBAUTHN_ORIGIN`` override both. Browsers accept ``localhost`` over plain HTTP and
any other RP id only over HTTPS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from stockade.mfa.exceptions import WebAuthnCeremonyError


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origin: str


@dataclass(frozen=True)
class StoredCredential:
    """What the ceremony needs to know of a registered credential."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]


@dataclass(frozen=True)
class Assertion:
    credential_id: bytes
    new_sign_count: int


def relying_party(
    *, base_url: str, request_origin: str, name: str, rp_id: str = "", origin: str = ""
) -> RelyingParty:
    """Return the relying party, from the explicit settings, the base URL or the request."""
    source = base_url or request_origin
    parts = urlsplit(source)
    derived_origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme else source
    return RelyingParty(
        id=rp_id or (parts.hostname or "localhost"),
        name=name,
        origin=origin or derived_origin,
    )


def registration_options(
    *, rp: RelyingParty, user_handle: bytes, username: str, exclude: list[StoredCredential]
) -> tuple[str, bytes]:
    """Return the ``PublicKeyCredentialCreationOptions`` as JSON, and the challenge to keep."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
        exclude_credentials=[_descriptor(c) for c in exclude],
    )
    return options_to_json(options), options.challenge


def verify_registration(
    *, rp: RelyingParty, challenge: bytes, credential: dict[str, Any] | str
) -> NewCredential:
    """Verify the browser's answer to a registration challenge.

    Raises:
        WebAuthnCeremonyError: the answer is malformed or does not verify.
    """
    try:
        verified = verify_registration_response(
            credential=_as_json(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as e:
        raise WebAuthnCeremonyError(str(e)) from e
    transports = ()
    if isinstance(credential, dict):
        raw = credential.get("response", {}).get("transports") or []
        transports = tuple(str(t) for t in raw if isinstance(t, str))[:8]
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
    )


def authentication_options(*, rp: RelyingParty, allow: list[StoredCredential]) -> tuple[str, bytes]:
    """Return the ``PublicKeyCredentialRequestOptions`` as JSON, and the challenge to keep."""
    options = generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=[_descriptor(c) for c in allow],
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    return options_to_json(options), options.challenge


def credential_id_of(credential: dict[str, Any] | str) -> bytes:
    """Return the raw credential id the browser's answer names.

    Raises:
        WebAuthnCeremonyError: the answer has no usable id.
    """
    try:
        data = json.loads(credential) if isinstance(credential, str) else credential
        return base64url_to_bytes(str(data["rawId"]))
    except (ValueError, KeyError, TypeError) as e:
        raise WebAuthnCeremonyError("no credential id") from e


def verify_authentication(
    *,
    rp: RelyingParty,
    challenge: bytes,
    credential: dict[str, Any] | str,
    stored: StoredCredential,
) -> Assertion:
    """Verify the browser's answer to an authentication challenge, and its signature counter.

    The library refuses a counter that did not grow (when either side is non-zero): a cloned
    authenticator would show an old or equal count.

    Raises:
        WebAuthnCeremonyError: the answer does not verify.
    """
    try:
        verified = verify_authentication_response(
            credential=_as_json(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as e:
        raise WebAuthnCeremonyError(str(e)) from e
    return Assertion(credential_id=verified.credential_id, new_sign_count=verified.new_sign_count)


def encode_id(credential_id: bytes) -> str:
    return bytes_to_base64url(credential_id)


def _as_json(credential: dict[str, Any] | str) -> str:
    return credential if isinstance(credential, str) else json.dumps(credential)


def _descriptor(credential: StoredCredential) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in credential.transports:
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(id=credential.credential_id, transports=transports or None)
