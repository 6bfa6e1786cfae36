"""The leaked-token disclosure protocol: who may report, how a report is signed, what it holds.

A secret-scanning service (a *reporter*) that finds ``stockade-`` tokens in public places POSTs
a JSON array of ``{"token", "type", "url", "source"}`` objects to ``/_/secrets/disclose-token``.
It names itself in ``X-Stockade-Reporter`` and signs the raw body with its ECDSA P-256 key
(SHA-256), sending the DER signature in base64 in ``X-Stockade-Signature``. The operator lists
each reporter's public key in ``STOCKADE_SECRET_REPORTERS``. See docs/secret-scanning.md.

This module does no database work: it loads keys, verifies signatures and parses reports.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from stockade.tokens.exceptions import (
    BadSignatureError,
    MalformedReportError,
    UnknownReporterError,
    UnsignedReportError,
)

REPORTER_HEADER = "X-Stockade-Reporter"
SIGNATURE_HEADER = "X-Stockade-Signature"
MAX_BODY_BYTES = 256 * 1024
MAX_REPORTS = 1000
_MAX_FIELD_CHARS = 4096


@dataclass(frozen=True)
class TokenReport:
    token: str
    type: str
    url: str
    source: str


def load_reporter_keys() -> dict[str, ec.EllipticCurvePublicKey]:
    """Return the configured reporters' public keys by reporter name.

    ``STOCKADE_SECRET_REPORTERS`` is a mapping, a JSON object of name -> PEM public key, or the
    path of a file holding that JSON. Empty means no reporter is trusted.

    Raises:
        ImproperlyConfigured: the setting cannot be read, or a key is not an ECDSA P-256 key.
    """
    configured: Any = getattr(settings, "STOCKADE_SECRET_REPORTERS", "") or {}
    if isinstance(configured, str):
        text = configured.strip()
        try:
            if not text.startswith("{"):
                text = Path(text).read_text(encoding="utf-8")
            configured = json.loads(text)
        except (OSError, ValueError) as e:
            raise ImproperlyConfigured(
                "STOCKADE_SECRET_REPORTERS must be a JSON object or the path of a JSON file"
            ) from e
    if not isinstance(configured, dict):
        raise ImproperlyConfigured("STOCKADE_SECRET_REPORTERS must map reporter names to keys")
    return {str(name): _load_p256_key(str(name), pem) for name, pem in configured.items()}


def _load_p256_key(name: str, pem: Any) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(str(pem).encode())
    except ValueError as e:
        raise ImproperlyConfigured(f"The key of secret reporter {name!r} is not a PEM key") from e
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ImproperlyConfigured(f"The key of secret reporter {name!r} is not ECDSA P-256")
    return key


def verify_report_signature(*, reporter: str, signature: str, body: bytes) -> str:
    """Check that ``reporter`` signed ``body``; return the reporter's configured name.

    Raises:
        UnsignedReportError, UnknownReporterError, BadSignatureError.
    """
    reporter, signature = reporter.strip(), signature.strip()
    if not reporter or not signature:
        raise UnsignedReportError()
    key = load_reporter_keys().get(reporter)
    if key is None:
        raise UnknownReporterError()
    try:
        der = base64.b64decode(signature, validate=True)
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature) as e:
        raise BadSignatureError() from e
    return reporter


def parse_reports(body: bytes) -> list[TokenReport]:
    """Parse a report body: a non-empty JSON array of objects with string fields.

    ``token`` is required; ``type``, ``url`` and ``source`` may be empty.

    Raises:
        MalformedReportError.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise MalformedReportError("the body is not JSON") from e
    if not isinstance(data, list) or not data:
        raise MalformedReportError("the body must be a non-empty JSON array")
    if len(data) > MAX_REPORTS:
        raise MalformedReportError(f"at most {MAX_REPORTS} tokens per report")
    return [_parse_one(item) for item in data]


def _parse_one(item: Any) -> TokenReport:
    if not isinstance(item, dict):
        raise MalformedReportError("each entry must be a JSON object")
    fields = {}
    for key in ("token", "type", "url", "source"):
        value = item.get(key, "")
        if not isinstance(value, str) or len(value) > _MAX_FIELD_CHARS:
            raise MalformedReportError(f"{key!r} must be a string of at most {_MAX_FIELD_CHARS}")
        fields[key] = value
    if not fields["token"]:
        raise MalformedReportError("each entry needs a 'token'")
    return TokenReport(**fields)
