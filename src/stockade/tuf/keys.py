"""Signing keys: key files for development and ceremonies, signer URIs for production.

Online keys (snapshot, timestamp, bins) are loaded from ``STOCKADE_TUF_ONLINE_KEY``, a
securesystemslib private-key URI (``file2:/path/key.pem`` by default, or ``awskms:…``,
``gcpkms:…``, ``azurekms:…``, ``hv:…`` (Vault), ``hsm:…``); the matching public key is the one
root names for the timestamp role. Offline keys (root, targets) are PEM files that a ceremony
writes to a directory the operator then moves off the server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from securesystemslib.signer import CryptoSigner, Key, Signer, SSlibKey

PRIVATE_SUFFIX = ".pem"
PUBLIC_SUFFIX = ".pub.json"


def generate_key_file(directory: Path, name: str) -> CryptoSigner:
    """Create an Ed25519 key as ``NAME.pem`` (mode 0600) and ``NAME.pub.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = CryptoSigner.generate_ed25519()
    private = directory / f"{name}{PRIVATE_SUFFIX}"
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(signer.private_bytes)
    public = signer.public_key.to_dict() | {"keyid": signer.public_key.keyid}
    (directory / f"{name}{PUBLIC_SUFFIX}").write_text(json.dumps(public, indent=2) + "\n")
    return signer


def read_public_key(path: Path) -> Key:
    data = json.loads(path.read_text())
    keyid = data.pop("keyid")
    return SSlibKey.from_dict(keyid, data)


def load_key_file(private: Path) -> Signer:
    """Load ``NAME.pem`` with its ``NAME.pub.json``."""
    public = private.with_name(private.name.removesuffix(PRIVATE_SUFFIX) + PUBLIC_SUFFIX)
    return Signer.from_priv_key_uri(f"file2:{private}", read_public_key(public))


def load_key_files(directory: Path, role: str) -> list[Signer]:
    """Every ``ROLE*.pem`` key in ``directory`` (``root-1.pem``, ``root-2.pem``, …)."""
    return [load_key_file(p) for p in sorted(directory.glob(f"{role}*{PRIVATE_SUFFIX}"))]


def tuf_dir() -> Path:
    return Path(settings.DATA_DIR) / "tuf"


def development_keys_dir() -> Path:
    """Where a development root's offline keys sit (on the server: for trying Stockade only)."""
    return tuf_dir() / "development-offline-keys"


def default_online_key_path() -> Path:
    return tuf_dir() / "keys" / f"online{PRIVATE_SUFFIX}"


def online_key_uri() -> str:
    return settings.STOCKADE_TUF_ONLINE_KEY or f"file2:{default_online_key_path()}"


def load_online_signer(public_key: Key) -> Signer:
    """The online signer, checked against the key root and targets name for it."""
    return Signer.from_priv_key_uri(online_key_uri(), public_key)
