"""The pure metadata builders: role layout, thresholds, bins, lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from securesystemslib.signer import CryptoSigner

from stockade.tuf import metadata


def key():
    return CryptoSigner.generate_ed25519().public_key


def test_root_uses_offline_keys_and_one_online_key() -> None:
    online = key()
    root = metadata.new_root(
        version=1, root_keys=[key(), key(), key()], root_threshold=2,
        targets_keys=[key()], targets_threshold=1, online_key=online,
    ).signed  # fmt: skip
    assert root.consistent_snapshot
    assert root.roles["root"].threshold == 2 and len(root.roles["root"].keyids) == 3
    assert root.roles["timestamp"].keyids == root.roles["snapshot"].keyids == [online.keyid]


def test_root_threshold_cannot_exceed_its_keys() -> None:
    with pytest.raises(ValueError, match="threshold"):
        metadata.new_root(
            version=1, root_keys=[key()], root_threshold=2,
            targets_keys=[key()], targets_threshold=1, online_key=key(),
        )  # fmt: skip


def test_targets_delegates_to_succinct_hash_bins() -> None:
    targets = metadata.new_targets(version=1, online_key=key(), bins=256).signed
    names = metadata.bin_names(targets)
    assert len(names) == 256 and names[0] == "bins-00" and names[-1] == "bins-ff"
    succinct = targets.delegations.succinct_roles
    assert succinct.get_role_for_target("simple/demo/index.html") in names


@pytest.mark.parametrize("bins", [0, 3, 1000])
def test_bins_must_be_a_power_of_two(bins) -> None:
    with pytest.raises(ValueError, match="power of two"):
        metadata.new_targets(version=1, online_key=key(), bins=bins)


def test_lifetimes_follow_pep_458() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert metadata.expiry("timestamp", now) == now + timedelta(days=1)
    assert metadata.expiry("bins", now) == now + timedelta(days=1)
    assert metadata.expiry("root", now) == now + timedelta(days=365)


def test_signed_bin_verifies_with_its_key() -> None:
    signer = CryptoSigner.generate_ed25519()
    targets = metadata.new_targets(version=1, online_key=signer.public_key, bins=2)
    md = metadata.new_bin(version=1, targets={"a/b": (3, {"sha256": "0" * 64})})
    metadata.sign(md, [signer])
    targets.verify_delegate("bins-0", md)
    assert md.signed.targets["a/b"].length == 3
