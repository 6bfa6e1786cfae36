"""Keyed hashes of client IP addresses, so events can be grouped by address without keeping it.

The key is derived from the secret key with its own label, never the secret key itself. Anyone
with the key can test guesses (the IPv4 space is small), so the hash protects the address from
readers of the log and its exports, not from the server's operator.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from stockade.clientip import normalize_ip


def _ip_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"stockade.audit.ip", hashlib.sha256).digest()


def hash_ip(ip: str | None) -> str:
    """Return the hex HMAC-SHA256 of an address in canonical form ("" for no address)."""
    if not ip:
        return ""
    canonical = normalize_ip(ip)
    if canonical is None:
        return ""
    return hmac.new(_ip_key(), canonical.encode(), hashlib.sha256).hexdigest()
