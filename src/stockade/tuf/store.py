"""Where signed metadata lives in package storage, and reading it back.

Metadata sits under ``tuf/metadata/`` (served at ``/tuf/``). Versioned files
(``N.root.json``, ``N.targets.json``, ``N.snapshot.json``, ``N.bins-XY.json``) are written once
and never change; ``timestamp.json`` is replaced atomically, last, so a reader always sees a
complete, consistent set; ``root.json`` is a copy of the newest root for operators.
"""

from __future__ import annotations

from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp

from stockade.packaging import blobs

METADATA_PREFIX = "tuf/metadata"


def metadata_path(role: str, version: int | None = None) -> str:
    if version is None:
        return f"{METADATA_PREFIX}/{role}.json"
    return f"{METADATA_PREFIX}/{version}.{role}.json"


def write_versioned(role: str, version: int, data: bytes) -> None:
    blobs.put_bytes(metadata_path(role, version), data)


def write_current(role: str, data: bytes) -> None:
    blobs.put_bytes(metadata_path(role), data)


def is_initialized() -> bool:
    return blobs.exists(metadata_path(Timestamp.type))


def read_current_root() -> Metadata[Root]:
    return Metadata[Root].from_bytes(blobs.read_bytes(metadata_path(Root.type)))


def read_timestamp() -> Metadata[Timestamp]:
    return Metadata[Timestamp].from_bytes(blobs.read_bytes(metadata_path(Timestamp.type)))


def read_snapshot(version: int) -> Metadata[Snapshot]:
    return Metadata[Snapshot].from_bytes(blobs.read_bytes(metadata_path(Snapshot.type, version)))


def read_targets(role: str, version: int) -> Metadata[Targets]:
    return Metadata[Targets].from_bytes(blobs.read_bytes(metadata_path(role, version)))
