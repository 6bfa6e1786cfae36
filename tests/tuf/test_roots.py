"""Ceremonies and rotations: new roots are signed by the old and new thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuf.api.metadata import Root

from stockade.tuf import keys, roots, store
from stockade.tuf.exceptions import MissingOfflineKeysError, RepositoryAlreadyInitializedError
from stockade.tuf.services import load_state

pytestmark = pytest.mark.django_db(transaction=True)


def test_development_root_is_created_once_and_flagged(repository) -> None:
    assert roots.is_development_root()
    assert not roots.initialize_development_root(bins=16)


def test_initializing_twice_is_refused(repository) -> None:
    signer = keys.load_key_file(keys.default_online_key_path())
    offline = roots.OfflineSigners([signer], 1, [signer], 1)
    with pytest.raises(RepositoryAlreadyInitializedError):
        roots.initialize_repository(offline, signer, bins=16)


def test_ceremony_chains_from_the_development_root(repository, tmp_path: Path) -> None:
    v1 = store.read_current_root()
    root = roots.run_ceremony(
        keys_dir=tmp_path / "offline", root_keys=3, root_threshold=2, targets_keys=2,
        targets_threshold=1, previous_keys_dir=None, bins=16,
    )  # fmt: skip
    v1.verify_delegate(Root.type, root)  # the old root vouches for the new one
    root.verify_delegate(Root.type, root)
    assert root.signed.roles["root"].threshold == 2
    assert not roots.is_development_root()
    assert len(list((tmp_path / "offline").glob("*.pem"))) == 5
    state = load_state()
    assert state.targets.signed.version == 2
    state.root.verify_delegate("targets", state.targets)


def test_ceremony_without_the_previous_keys_is_refused(repository, tmp_path: Path) -> None:
    with pytest.raises(MissingOfflineKeysError, match="root v2 needs 1"):
        roots.run_ceremony(
            keys_dir=tmp_path / "offline", root_keys=1, root_threshold=1, targets_keys=1,
            targets_threshold=1, previous_keys_dir=tmp_path / "empty", bins=16,
        )  # fmt: skip


def test_rotation_replaces_the_online_key_everywhere(repository) -> None:
    old = load_state()
    roots.rotate_online_key(offline_keys_dir=keys.development_keys_dir())
    new = load_state()
    assert new.root.signed.version == 2
    assert new.online_key.keyid != old.online_key.keyid
    old.root.verify_delegate(Root.type, new.root)
    new.root.verify_delegate("timestamp", new.timestamp)
    new.root.verify_delegate("snapshot", new.snapshot)
    new.root.verify_delegate("targets", new.targets)
    assert keys.load_key_file(keys.default_online_key_path()).public_key == new.online_key
