"""The pure chain module: hashing, checkpoints, and verification of a log or an export alone."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from stockade.audit import chain


def _record(i: int, **changes) -> dict:
    record = {
        "id": i,
        "seq": i,
        "tag": "account:login",
        "created": f"2025-01-01T00:00:{i:02d}.000000Z",
        "actor_means": "session",
        "actor_user_id": 1,
        "actor_label": "olivia",
        "token_id": "",
        "token_name": "",
        "subject_type": "",
        "subject_id": "",
        "subject_label": "",
        "subject_user_id": None,
        "project_id": None,
        "project_name": "",
        "ip_hash": "ab" * 32,
        "user_agent": "Firefox",
        "details": {"n": i, "text": "naïve"},
    }
    record.update(changes)
    return record


def _build(n: int, key: Ed25519PrivateKey, checkpoint_every: int = 1):
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    kid = chain.key_id(public)
    events, checkpoints, prev = [], [], chain.GENESIS_HASH
    for i in range(1, n + 1):
        record = _record(i)
        record["prev_hash"] = prev
        record["hash"] = prev = chain.event_hash(prev, record)
        events.append(record)
        if i % checkpoint_every == 0 or i == n:
            time = f"2025-01-01T01:00:{i:02d}.000000Z"
            message = chain.checkpoint_message(seq=i, hash=prev, time=time, key=kid)
            signature = base64.b64encode(key.sign(message)).decode()
            checkpoints.append(
                {"seq": i, "hash": prev, "time": time, "key_id": kid, "signature": signature}
            )
    return public, events, checkpoints


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_canonical_json_is_key_order_independent():
    assert chain.canonical_json({"b": 1, "a": [1, "é"]}) == chain.canonical_json(
        {"a": [1, "é"], "b": 1}
    )
    assert chain.canonical_json({"a": "é"}) == '{"a":"é"}'.encode()


def test_event_hash_depends_on_every_hashed_field_and_on_prev_hash():
    base = chain.event_hash(chain.GENESIS_HASH, _record(1))
    for field in chain.HASHED_FIELDS:
        changed = _record(1, **{field: "x"})
        assert chain.event_hash(chain.GENESIS_HASH, changed) != base, field
    assert chain.event_hash("1" * 64, _record(1)) != base


def test_event_hash_ignores_fields_outside_the_chain():
    """The raw IP is purged later, so it must not be hashed."""
    assert chain.event_hash(chain.GENESIS_HASH, _record(1, ip="1.2.3.4")) == chain.event_hash(
        chain.GENESIS_HASH, _record(1)
    )


def test_intact_log_verifies(key):
    public, events, checkpoints = _build(10, key, checkpoint_every=3)
    report = chain.verify_log(events, checkpoints, public_key=public)
    assert report.ok, report.problem
    assert (report.events, report.checkpoints, report.last_seq) == (10, 4, 10)


def test_changed_event_is_named(key):
    public, events, checkpoints = _build(5, key)
    events[2]["actor_label"] = "mallory"
    problem = chain.verify_log(events, checkpoints, public_key=public).problem
    assert problem is not None and problem.event_id == 3
    assert "hash mismatch" in str(problem)


def test_deleted_event_is_detected_at_the_next_one(key):
    public, events, checkpoints = _build(5, key)
    del events[1]
    problem = chain.verify_log(events, checkpoints, public_key=public).problem
    assert problem is not None and problem.event_id == 3 and "missing" in problem.reason


def test_reordered_events_are_detected(key):
    public, events, checkpoints = _build(5, key)
    events[1], events[2] = events[2], events[1]
    problem = chain.verify_log(events, checkpoints, public_key=public).problem
    assert problem is not None and problem.event_id == 3


def test_recomputed_chain_without_the_key_fails_at_the_checkpoint(key):
    """Rewriting an event and re-hashing everything after it still contradicts the signature."""
    public, events, checkpoints = _build(4, key)
    prev = chain.GENESIS_HASH
    events[0]["actor_label"] = "mallory"
    for record in events:
        record["prev_hash"] = prev
        record["hash"] = prev = chain.event_hash(prev, record)
    problem = chain.verify_log(events, checkpoints, public_key=public).problem
    assert problem is not None and "does not match the chain" in problem.reason


def test_forged_signature_fails(key):
    public, events, checkpoints = _build(3, key)
    other = Ed25519PrivateKey.generate()
    checkpoints[-1]["signature"] = base64.b64encode(other.sign(b"x")).decode()
    problem = chain.verify_log(events, checkpoints, public_key=public).problem
    assert problem is not None and "signature is not valid" in problem.reason


def test_events_after_the_last_checkpoint_are_reported(key):
    public, events, checkpoints = _build(3, key)
    record = _record(4)
    record["prev_hash"] = events[-1]["hash"]
    record["hash"] = chain.event_hash(record["prev_hash"], record)
    problem = chain.verify_log([*events, record], checkpoints, public_key=public).problem
    assert problem is not None and "no signed checkpoint" in problem.reason


def test_cut_off_tail_is_reported_when_a_checkpoint_remains(key):
    public, events, checkpoints = _build(4, key)
    problem = chain.verify_log(events[:2], checkpoints, public_key=public).problem
    assert problem is not None and "cut off" in problem.reason


def _export(public: bytes, events, checkpoints, start_seq=1, start_prev=chain.GENESIS_HASH):
    header = {
        "type": "header",
        "format": chain.FORMAT,
        "version": chain.FORMAT_VERSION,
        "public_key": base64.b64encode(public).decode(),
        "start_seq": start_seq,
        "start_prev_hash": start_prev,
    }
    items = [header] + [{"type": "event", **e} for e in events]
    items += [{"type": "checkpoint", **c} for c in checkpoints]
    return [json.dumps(item) for item in items]


def test_export_verifies_on_its_own(key):
    public, events, checkpoints = _build(6, key)
    assert chain.verify_export(_export(public, events, checkpoints)).ok


def test_partial_export_starts_mid_chain(key):
    public, events, checkpoints = _build(6, key)
    lines = _export(public, events[3:], checkpoints[3:], 4, events[2]["hash"])
    report = chain.verify_export(lines)
    assert report.ok, report.problem
    assert report.events == 3


def test_tampered_export_fails(key):
    public, events, checkpoints = _build(6, key)
    lines = _export(public, events, checkpoints)
    lines[3] = lines[3].replace('"olivia"', '"mallory"')
    report = chain.verify_export(lines)
    assert not report.ok and report.problem.event_id == 3


def test_garbage_is_not_an_export():
    assert not chain.verify_export(["{}"]).ok
    assert not chain.verify_export([]).ok
