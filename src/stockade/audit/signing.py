"""The Ed25519 key that signs audit checkpoints.

The private key lives in the data directory (``audit_signing_key``, PKCS#8 PEM, mode 0600), not in
the database, so that database access alone cannot forge checkpoints. It is generated on first use.
A ``STOCKADE_AUDIT_SIGNING_KEY_FILE`` setting, when present, names another path.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from stockade.audit import chain


def signing_key_path() -> Path:
    configured = getattr(settings, "STOCKADE_AUDIT_SIGNING_KEY_FILE", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit_signing_key"


def load_signing_key() -> Ed25519PrivateKey:
    """Return the checkpoint signing key, creating it on first use."""
    return _load_or_create(signing_key_path())


@functools.cache
def _load_or_create(path: Path) -> Ed25519PrivateKey:
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        pem = _create(path)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> bytes:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: two processes starting at once agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return pem


def public_key_bytes() -> bytes:
    """Return the raw 32-byte public key that verifies checkpoints."""
    return (
        load_signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def public_key_b64() -> str:
    return base64.b64encode(public_key_bytes()).decode()


def current_key_id() -> str:
    return chain.key_id(public_key_bytes())


def sign_checkpoint(*, seq: int, hash: str, time: str) -> tuple[str, str]:
    """Return ``(key_id, base64 signature)`` for a checkpoint at ``seq`` with chain ``hash``."""
    key = current_key_id()
    message = chain.checkpoint_message(seq=seq, hash=hash, time=time, key=key)
    return key, base64.b64encode(load_signing_key().sign(message)).decode()
