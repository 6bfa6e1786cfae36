"""The root's life: first initialization, key ceremonies, and online key rotation.

A new root version is always signed by the threshold of the previous root's keys and of its own,
so a client holding any earlier root can follow the chain (``N.root.json``, ``N+1.root.json``…).
Root and targets keys are offline: they are read from a directory that the operator mounts for
the ceremony, and never from settings. Only a development root keeps them on the server, and
``stockade serve`` says so at every start.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from securesystemslib.signer import Key, Signer
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp

from stockade.packaging.models import Project
from stockade.tuf import keys, metadata, store
from stockade.tuf.exceptions import (
    MissingOfflineKeysError,
    RepositoryAlreadyInitializedError,
    TufError,
)
from stockade.tuf.lock import publisher_lock
from stockade.tuf.models import PendingChange, PublishedTarget, RoleExpiry
from stockade.tuf.services import (
    RepositoryState,
    _publish,
    _record_expiries,
    deferred_publishing,
    load_state,
    publish_pending,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfflineSigners:
    root: list[Signer]
    root_threshold: int
    targets: list[Signer]
    targets_threshold: int


def is_development_root() -> bool:
    """Whether the offline keys of the current root sit on this server."""
    directory = keys.development_keys_dir()
    if not store.is_initialized() or not directory.is_dir():
        return False
    root = store.read_current_root().signed
    on_server = {
        keys.read_public_key(p).keyid for p in directory.glob(f"root*{keys.PUBLIC_SUFFIX}")
    }
    return bool(on_server & set(root.roles[Root.type].keyids))


def initialize_development_root(*, bins: int) -> bool:
    """On first run, create a root whose offline keys are kept on the server; return whether
    one was created. For trying Stockade out: anyone who can read the data directory can sign
    anything."""
    if store.is_initialized():
        return False
    offline_dir = keys.development_keys_dir()
    shutil.rmtree(offline_dir, ignore_errors=True)  # left by an initialization that crashed
    root = keys.generate_key_file(offline_dir, "root")
    targets = keys.generate_key_file(offline_dir, "targets")
    online = _default_online_signer()
    initialize_repository(OfflineSigners([root], 1, [targets], 1), online, bins=bins)
    return True


def initialize_repository(offline: OfflineSigners, online: Signer, *, bins: int) -> None:
    """Sign root v1, targets v1, empty bins, snapshot and timestamp; then sign every project.

    Raises:
        RepositoryAlreadyInitializedError: timestamp.json already exists.
        TufError: another publisher holds the lock.
    """
    with publisher_lock() as held:
        if not held:
            raise TufError("Another publisher is running; try again.")
        if store.is_initialized():
            raise RepositoryAlreadyInitializedError
        root = _new_root(1, offline, online.public_key)
        metadata.sign(root, offline.root)
        targets = metadata.new_targets(version=1, online_key=online.public_key, bins=bins)
        metadata.sign(targets, offline.targets)
        _write_root(root)
        store.write_versioned(Targets.type, 1, metadata.serialize(targets))
        now = datetime.now(UTC)
        expiries: dict[str, tuple[int, datetime]] = {}
        meta = {"targets.json": 1}
        for name in metadata.bin_names(targets.signed):
            md = metadata.sign(metadata.new_bin(version=1, targets={}, now=now), [online])
            store.write_versioned(name, 1, metadata.serialize(md))
            meta[f"{name}.json"] = 1
            expiries[name] = (1, md.signed.expires)
        snapshot = metadata.sign(metadata.new_snapshot(version=1, meta=meta, now=now), [online])
        store.write_versioned(Snapshot.type, 1, metadata.serialize(snapshot))
        timestamp = metadata.sign(
            metadata.new_timestamp(version=1, snapshot_version=1, now=now), [online]
        )
        store.write_current(Timestamp.type, metadata.serialize(timestamp))
        expiries[Snapshot.type] = (1, snapshot.signed.expires)
        expiries[Timestamp.type] = (1, timestamp.signed.expires)
        with transaction.atomic():
            PublishedTarget.objects.all().delete()
            RoleExpiry.objects.all().delete()
            _record_expiries(expiries)
            PendingChange.objects.all().delete()
    logger.info("Initialized the TUF repository with %s bins", bins)
    # Render every page again, so the digests signed are those of rendered pages, never of
    # whatever storage holds; then sign them all in one snapshot.
    from stockade.simple.services import publish_index, publish_project

    with deferred_publishing():
        for project_id in Project.objects.filter(held=False).values_list("pk", flat=True):
            publish_project(project_id)
        publish_index()
    publish_pending()


def run_ceremony(
    *,
    keys_dir: Path,
    root_keys: int,
    root_threshold: int,
    targets_keys: int,
    targets_threshold: int,
    previous_keys_dir: Path | None,
    bins: int,
) -> Metadata[Root]:
    """Create new offline root and targets keys in ``keys_dir`` and install a root using them.

    On an initialized repository the new root is signed by the previous root's keys too (read
    from ``previous_keys_dir``, or the development keys on the server), whose directory is
    removed afterwards when it was the development one.

    Raises:
        MissingOfflineKeysError: too few previous root keys to sign the new root.
    """
    if any(keys_dir.glob(f"*{keys.PRIVATE_SUFFIX}")):
        raise TufError(f"{keys_dir} already holds keys; use an empty directory.")
    offline = OfflineSigners(
        [keys.generate_key_file(keys_dir, f"root-{i + 1}") for i in range(root_keys)],
        root_threshold,
        [keys.generate_key_file(keys_dir, f"targets-{i + 1}") for i in range(targets_keys)],
        targets_threshold,
    )
    if not store.is_initialized():
        initialize_repository(offline, _default_online_signer(), bins=bins)
        return store.read_current_root()
    previous_dir = previous_keys_dir or keys.development_keys_dir()
    previous = keys.load_key_files(previous_dir, "root")
    with publisher_lock() as held:
        if not held:
            raise TufError("Another publisher is running; try again.")
        state = load_state()
        online_key = state.online_key
        root = _new_root(state.root.signed.version + 1, offline, online_key)
        _sign_root(state.root, root, [*previous, *offline.root], str(previous_dir))
        targets = _new_targets(state, online_key, offline.targets, root)
        _publish(state, [], new_targets=targets, before_timestamp=lambda: _write_root(root))
    if previous_keys_dir is None:
        shutil.rmtree(previous_dir, ignore_errors=True)
    return root


def rotate_online_key(
    *, offline_keys_dir: Path, new_signer: Signer | None = None
) -> Metadata[Root]:
    """Replace the online key: new root (signed by the root keys), new targets delegating the
    bins to the new key (signed by the targets keys), every bin, snapshot and timestamp
    re-signed. Without ``new_signer`` a new key file replaces the default one.

    Raises:
        MissingOfflineKeysError: too few root or targets keys in ``offline_keys_dir``.
    """
    root_signers = keys.load_key_files(offline_keys_dir, "root")
    targets_signers = keys.load_key_files(offline_keys_dir, "targets")
    staged = None
    if new_signer is None:
        staged = keys.tuf_dir() / "keys" / "rotating"
        shutil.rmtree(staged, ignore_errors=True)
        new_signer = keys.generate_key_file(staged, "online")
    with publisher_lock() as held:
        if not held:
            raise TufError("Another publisher is running; try again.")
        state = load_state()
        old = state.online_key
        signed = Root.from_dict(state.root.signed.to_dict())
        signed.version += 1
        signed.expires = metadata.expiry(Root.type)
        for role in (Snapshot.type, Timestamp.type):
            signed.revoke_key(old.keyid, role)
            signed.add_key(new_signer.public_key, role)
        root = Metadata(signed)
        _sign_root(state.root, root, root_signers, str(offline_keys_dir))
        targets = _new_targets(state, new_signer.public_key, targets_signers)

        def install() -> None:
            _write_root(root)
            if staged is not None:
                for suffix in (keys.PRIVATE_SUFFIX, keys.PUBLIC_SUFFIX):
                    os.replace(
                        staged / f"online{suffix}", keys.tuf_dir() / "keys" / f"online{suffix}"
                    )

        _publish(
            state,
            [],
            extra_bins=metadata.bin_names(state.targets.signed),
            new_targets=targets,
            signer=new_signer,
            before_timestamp=install,
        )
    if staged is not None:
        shutil.rmtree(staged, ignore_errors=True)
    return root


def _new_root(version: int, offline: OfflineSigners, online_key: Key) -> Metadata[Root]:
    return metadata.new_root(
        version=version,
        root_keys=[s.public_key for s in offline.root],
        root_threshold=offline.root_threshold,
        targets_keys=[s.public_key for s in offline.targets],
        targets_threshold=offline.targets_threshold,
        online_key=online_key,
    )


def _sign_root(
    previous: Metadata[Root], root: Metadata[Root], signers: list[Signer], where: str
) -> None:
    metadata.sign(root, signers)
    for trusted in (previous, root):
        try:
            trusted.verify_delegate(Root.type, root)
        except UnsignedMetadataError as err:
            role = trusted.signed.roles[Root.type]
            raise MissingOfflineKeysError(
                f"root v{root.signed.version}", role.threshold, len(signers), where
            ) from err


def _new_targets(
    state: RepositoryState,
    online_key: Key,
    signers: list[Signer],
    root: Metadata[Root] | None = None,
) -> Metadata[Targets]:
    bins = len(metadata.bin_names(state.targets.signed))
    targets = metadata.new_targets(
        version=state.targets.signed.version + 1, online_key=online_key, bins=bins
    )
    metadata.sign(targets, signers)
    try:
        (root or state.root).verify_delegate(Targets.type, targets)
    except UnsignedMetadataError as err:
        role = (root or state.root).signed.roles[Targets.type]
        raise MissingOfflineKeysError(
            "targets", role.threshold, len(signers), "the key directory"
        ) from err
    store.write_versioned(Targets.type, targets.signed.version, metadata.serialize(targets))
    return targets


def _write_root(root: Metadata[Root]) -> None:
    data = metadata.serialize(root)
    store.write_versioned(Root.type, root.signed.version, data)
    store.write_current(Root.type, data)


def _default_online_signer() -> Signer:
    if settings.STOCKADE_TUF_ONLINE_KEY:
        if not settings.STOCKADE_TUF_ONLINE_PUBLIC_KEY:
            raise TufError(
                "STOCKADE_TUF_ONLINE_KEY is set: set STOCKADE_TUF_ONLINE_PUBLIC_KEY to the file "
                "holding its public key (securesystemslib JSON with a keyid) too."
            )
        public = keys.read_public_key(Path(settings.STOCKADE_TUF_ONLINE_PUBLIC_KEY))
        return keys.load_online_signer(public)
    path = keys.default_online_key_path()
    if path.exists():
        return keys.load_key_file(path)
    return keys.generate_key_file(path.parent, "online")
