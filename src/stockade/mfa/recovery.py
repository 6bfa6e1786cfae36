"""Recovery codes: how they look, and the keyed hash that is all the database keeps.

Codes are random (10 characters from a 32-letter alphabet: 50 bits each), so a fast keyed
hash is enough: a slow password hasher protects guessable secrets, and checking eight Argon2
hashes per attempt would only slow logins. The HMAC key derives from ``SECRET_KEY``, so a copy
of the database alone does not even let one test a guess; keys listed in
``SECRET_KEY_FALLBACKS`` are still accepted after a key rotation.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

COUNT = 8
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back
_LENGTH = 10
_SALT = "stockade.mfa.recovery-code"


def generate_codes(count: int = COUNT) -> list[str]:
    """Return ``count`` fresh codes, formatted ``xxxxx-xxxxx``."""
    codes = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        codes.add(f"{raw[:5]}-{raw[5:]}")
    return sorted(codes)


def normalize_code(code: str) -> str:
    """Return ``code`` lower-cased, without spaces and dashes."""
    return "".join(code.split()).replace("-", "").lower()


def hash_code(code: str, *, secret: str | None = None) -> str:
    """Return the keyed hash of ``code`` (normalized first) under ``secret``."""
    key = settings.SECRET_KEY if secret is None else secret
    return salted_hmac(_SALT, normalize_code(code), secret=key, algorithm="sha256").hexdigest()


def candidate_hashes(code: str) -> list[str]:
    """Return the hash of ``code`` under the current key and every fallback key."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hash_code(code, secret=key) for key in keys]
