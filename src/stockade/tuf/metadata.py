"""Build TUF metadata (python-tuf's Metadata API): pure functions, no storage, no Django.

The role layout is PEP 458's: root and targets are signed with offline keys; targets delegates
every target path to ``2**bit_length`` hash bins (succinct delegation, TAP 15) signed with the
online key, as are snapshot and timestamp. Consistent snapshots are on: every role but timestamp
is stored as ``VERSION.ROLE.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from securesystemslib.signer import Key, Signer
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Role,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

BIN_PREFIX = "bins"

#: PEP 458's lifetimes: the online roles a day, the offline ones a year.
LIFETIMES = {
    Root.type: timedelta(days=365),
    Targets.type: timedelta(days=365),
    Snapshot.type: timedelta(days=1),
    Timestamp.type: timedelta(days=1),
    BIN_PREFIX: timedelta(days=1),
}

_SERIALIZER = JSONSerializer(compact=True)

__all__ = [
    "BIN_PREFIX",
    "LIFETIMES",
    "DelegatedRole",
    "Metadata",
    "bin_names",
    "expiry",
    "new_bin",
    "new_root",
    "new_snapshot",
    "new_targets",
    "new_timestamp",
    "serialize",
    "sign",
    "succinct_roles",
]


def expiry(role: str, now: datetime | None = None) -> datetime:
    """When a role signed now should expire (whole seconds, UTC)."""
    now = now or datetime.now(UTC)
    return (now + LIFETIMES[role]).replace(microsecond=0)


def serialize(md: Metadata) -> bytes:
    return md.to_bytes(_SERIALIZER)


def sign(md: Metadata, signers: Iterable[Signer]) -> Metadata:
    """Replace the signatures of ``md`` with one by each signer."""
    md.signatures.clear()
    for signer in signers:
        md.sign(signer, append=True)
    return md


def new_root(
    *,
    version: int,
    root_keys: list[Key],
    root_threshold: int,
    targets_keys: list[Key],
    targets_threshold: int,
    online_key: Key,
) -> Metadata[Root]:
    """An unsigned root: offline root and targets keys, one online key for snapshot/timestamp."""
    if root_threshold > len(root_keys) or targets_threshold > len(targets_keys):
        raise ValueError("a threshold cannot exceed the number of keys")
    root = Root(version=version, expires=expiry(Root.type), consistent_snapshot=True)
    root.roles = {
        Root.type: Role([], root_threshold),
        Targets.type: Role([], targets_threshold),
        Snapshot.type: Role([], 1),
        Timestamp.type: Role([], 1),
    }
    root.keys = {}
    for role, keys in (
        (Root.type, root_keys),
        (Targets.type, targets_keys),
        (Snapshot.type, [online_key]),
        (Timestamp.type, [online_key]),
    ):
        for key in keys:
            root.add_key(key, role)
    return Metadata(root)


def succinct_roles(online_key: Key, bins: int) -> SuccinctRoles:
    bit_length = bins.bit_length() - 1
    if bins < 1 or 2**bit_length != bins:
        raise ValueError(f"the number of bins must be a power of two, not {bins}")
    return SuccinctRoles([online_key.keyid], 1, bit_length, BIN_PREFIX)


def new_targets(*, version: int, online_key: Key, bins: int) -> Metadata[Targets]:
    """An unsigned top-level targets role that delegates every path to the hash bins."""
    targets = Targets(version=version, expires=expiry(Targets.type))
    targets.delegations = Delegations(
        keys={online_key.keyid: online_key}, succinct_roles=succinct_roles(online_key, bins)
    )
    return Metadata(targets)


def bin_names(targets: Targets) -> list[str]:
    assert targets.delegations is not None and targets.delegations.succinct_roles is not None
    return list(targets.delegations.succinct_roles.get_roles())


def new_bin(
    *, version: int, targets: Mapping[str, tuple[int, dict[str, str]]], now: datetime | None = None
) -> Metadata[Targets]:
    """An unsigned hash bin listing ``targets`` (path -> (length, hashes))."""
    files = {
        path: TargetFile(length, dict(hashes), path) for path, (length, hashes) in targets.items()
    }
    return Metadata(Targets(version=version, expires=expiry(BIN_PREFIX, now), targets=files))


def new_snapshot(
    *, version: int, meta: Mapping[str, int], now: datetime | None = None
) -> Metadata[Snapshot]:
    """An unsigned snapshot naming the version of targets and every bin (``ROLE.json`` -> v)."""
    files = {name: MetaFile(v) for name, v in meta.items()}
    return Metadata(Snapshot(version=version, expires=expiry(Snapshot.type, now), meta=files))


def new_timestamp(
    *, version: int, snapshot_version: int, now: datetime | None = None
) -> Metadata[Timestamp]:
    return Metadata(
        Timestamp(
            version=version,
            expires=expiry(Timestamp.type, now),
            snapshot_meta=MetaFile(snapshot_version),
        )
    )
