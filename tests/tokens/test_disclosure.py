"""Leaked-token reports: only signed reports from configured reporters revoke anything."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from stockade.audit.actors import actor_for_cli
from stockade.tokens import disclosure
from stockade.tokens.exceptions import MalformedReportError
from stockade.tokens.models import ApiToken
from stockade.tokens.services import issue_token

pytestmark = pytest.mark.django_db


def _public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture
def reporter_key(settings) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    settings.STOCKADE_SECRET_REPORTERS = json.dumps({"scanner": _public_pem(key)})
    return key


@pytest.fixture
def leaked(owner):
    token, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="laptop")
    return token, secret


def _report(secret: str, **extra) -> bytes:
    entry = {
        "token": secret,
        "type": "stockade_api_token",
        "url": "https://example.com/x",
        "source": "content",
    }
    return json.dumps([{**entry, **extra}]).encode()


def _post(client, body: bytes, *, reporter="scanner", signature=None, key=None, **headers):
    if signature is None and key is not None:
        signature = _sign(key, body)
    if reporter is not None:
        headers["HTTP_X_STOCKADE_REPORTER"] = reporter
    if signature is not None:
        headers["HTTP_X_STOCKADE_SIGNATURE"] = signature
    return client.post(reverse("disclose-token"), body, content_type="application/json", **headers)


def _revoked(token) -> bool:
    token.refresh_from_db()
    return token.revoked is not None


def test_valid_report_revokes_and_emails_the_owner(
    client, reporter_key, leaked, mailoutbox, django_capture_on_commit_callbacks
):
    token, secret = leaked
    body = _report(secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body, key=reporter_key)
    assert response.status_code == 200, response.content
    assert response.json() == [
        {
            "token_sha256": hashlib.sha256(secret.encode()).hexdigest(),
            "type": "stockade_api_token",
            "status": "revoked",
        }
    ]
    assert _revoked(token)
    assert [m.to for m in mailoutbox] == [["olivia@example.com"]]
    assert "laptop" in mailoutbox[0].subject
    assert "https://example.com/x" in mailoutbox[0].body
    assert "scanner" in mailoutbox[0].body
    assert secret not in mailoutbox[0].body


def test_second_report_says_already_revoked_without_email(
    client, reporter_key, leaked, mailoutbox, django_capture_on_commit_callbacks
):
    _token, secret = leaked
    body = _report(secret)
    _post(client, body, key=reporter_key)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body, key=reporter_key)
    assert response.json()[0]["status"] == "already_revoked"
    assert mailoutbox == []


@pytest.mark.parametrize(
    "fake",
    [
        "stockade-not-a-macaroon",
        "garbage",
        "stockade-" + "A" * 80,
    ],
)
def test_unknown_tokens_are_reported_as_not_found(client, reporter_key, leaked, fake):
    token, _secret = leaked
    body = json.dumps([{"token": fake, "type": "t", "url": "", "source": ""}]).encode()
    response = _post(client, body, key=reporter_key)
    assert response.status_code == 200
    assert response.json()[0]["status"] == "not_found"
    assert not _revoked(token)


def test_token_with_forged_signature_is_not_found(client, reporter_key, leaked, outsider):
    token, secret = leaked
    # Another token's valid string with its last characters changed no longer verifies.
    tampered = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    response = _post(client, _report(tampered), key=reporter_key)
    assert response.json()[0]["status"] == "not_found"
    assert not _revoked(token)


def test_mixed_batch_answers_in_order(client, reporter_key, leaked, outsider):
    token, secret = leaked
    other, other_secret = issue_token(actor=actor_for_cli(outsider), user=outsider, name="other")
    body = json.dumps(
        [{"token": "stockade-nope"}, {"token": secret}, {"token": other_secret}]
    ).encode()
    response = _post(client, body, key=reporter_key)
    assert [r["status"] for r in response.json()] == ["not_found", "revoked", "revoked"]
    assert _revoked(token) and _revoked(other)


def test_unsigned_report_is_401(client, reporter_key, leaked):
    token, secret = leaked
    assert _post(client, _report(secret)).status_code == 401
    assert _post(client, _report(secret), reporter=None, signature="abc").status_code == 401
    assert not _revoked(token)


def test_bad_signature_is_403(client, reporter_key, leaked):
    token, secret = leaked
    body = _report(secret)
    other_key = ec.generate_private_key(ec.SECP256R1())
    assert _post(client, body, key=other_key).status_code == 403
    assert _post(client, body, signature="not base64!!").status_code == 403
    # A signature over other bytes does not cover this body.
    assert _post(client, body, signature=_sign(reporter_key, body + b" ")).status_code == 403
    assert not _revoked(token)


def test_unknown_reporter_is_403(client, reporter_key, leaked):
    token, secret = leaked
    body = _report(secret)
    response = _post(client, body, reporter="stranger", key=reporter_key)
    assert response.status_code == 403
    assert not _revoked(token)


def test_no_reporters_configured_refuses_everything(client, settings, leaked):
    settings.STOCKADE_SECRET_REPORTERS = ""
    token, secret = leaked
    key = ec.generate_private_key(ec.SECP256R1())
    assert _post(client, _report(secret), key=key).status_code == 403
    assert not _revoked(token)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b"[]",
        b'"stockade-x"',
        b"[1, 2]",
        b'[{"type": "t"}]',
        b'[{"token": 5}]',
        b"\xff\xfe",
    ],
)
def test_malformed_signed_report_is_400(client, reporter_key, leaked, body):
    token, _secret = leaked
    response = _post(client, body, key=reporter_key)
    assert response.status_code == 400
    assert "error" in response.json()
    assert not _revoked(token)


def test_malformed_entry_anywhere_revokes_nothing(client, reporter_key, leaked):
    token, secret = leaked
    body = json.dumps([{"token": secret}, {"token": None}]).encode()
    assert _post(client, body, key=reporter_key).status_code == 400
    assert not _revoked(token)


def test_oversized_report_is_413(client, reporter_key, leaked):
    token, secret = leaked
    padding = "x" * disclosure.MAX_BODY_BYTES
    body = json.dumps([{"token": secret, "source": padding}]).encode()
    response = _post(client, body, key=reporter_key)
    assert response.status_code == 413
    assert not _revoked(token)


def test_get_is_not_allowed(client):
    assert client.get(reverse("disclose-token")).status_code == 405


def test_reporters_may_be_configured_by_file(tmp_path, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "reporters.json"
    path.write_text(json.dumps({"scanner": _public_pem(key)}))
    settings.STOCKADE_SECRET_REPORTERS = str(path)
    assert list(disclosure.load_reporter_keys()) == ["scanner"]


def test_non_p256_keys_are_a_configuration_error(settings):
    key = ec.generate_private_key(ec.SECP384R1())
    settings.STOCKADE_SECRET_REPORTERS = {"scanner": _public_pem(key)}
    with pytest.raises(ImproperlyConfigured):
        disclosure.load_reporter_keys()


def test_parse_reports_limits_entries():
    body = json.dumps([{"token": "t"}] * (disclosure.MAX_REPORTS + 1)).encode()
    with pytest.raises(MalformedReportError):
        disclosure.parse_reports(body)


def test_reported_tokens_stop_working(client, reporter_key, leaked):
    from stockade.tokens.exceptions import TokenRevokedError
    from stockade.tokens.services import authenticate_token

    _token, secret = leaked
    _post(client, _report(secret), key=reporter_key)
    with pytest.raises(TokenRevokedError):
        authenticate_token(secret)
    assert ApiToken.objects.filter(revoked__isnull=False).count() == 1
