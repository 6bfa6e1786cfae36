"""The audit log's hash chain and signed checkpoints, as pure functions with no Django import.

Every sealed event has a position ``seq`` (1, 2, 3, … with no gaps), the hash of the event before
it (``prev_hash``; the first event follows ``GENESIS_HASH``) and its own hash::

    hash = SHA-256("stockade.audit.event.v1\\0" || bytes(prev_hash) || canonical_json(record))

where ``record`` holds exactly the fields named in ``HASHED_FIELDS``. Changing, deleting,
inserting or reordering any sealed event changes the hashes from that point on. A checkpoint is
an Ed25519 signature over ``(seq, hash, time, key_id)``; since the hash at ``seq`` commits to
every event up to ``seq``, one valid checkpoint vouches for the whole prefix.

This module is what a third party needs to re-verify an export (``verify_export``), so it depends
only on the standard library and ``cryptography``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT = "stockade-audit-log"
FORMAT_VERSION = 1
ALGORITHM = "sha256-chain/ed25519-checkpoints"
GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "id",
    "seq",
    "tag",
    "created",
    "actor_means",
    "actor_user_id",
    "actor_label",
    "token_id",
    "token_name",
    "subject_type",
    "subject_id",
    "subject_label",
    "subject_user_id",
    "project_id",
    "project_name",
    "ip_hash",
    "user_agent",
    "details",
)
_EVENT_DOMAIN = b"stockade.audit.event.v1\x00"
_CHECKPOINT_DOMAIN = b"stockade.audit.checkpoint.v1\x00"


def canonical_json(value: Any) -> bytes:
    """Return the one byte string a JSON value hashes as: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """Return the hex hash of an event ``record`` that follows ``prev_hash``.

    Raises:
        KeyError: ``record`` lacks one of ``HASHED_FIELDS``.
        ValueError: ``prev_hash`` is not 64 hex digits.
    """
    if len(prev_hash) != 64:
        raise ValueError(f"prev_hash must be 64 hex digits, not {prev_hash!r}")
    payload = {name: record[name] for name in HASHED_FIELDS}
    digest = hashlib.sha256(_EVENT_DOMAIN + bytes.fromhex(prev_hash) + canonical_json(payload))
    return digest.hexdigest()


def key_id(public_key: bytes) -> str:
    """Return a short, stable name for a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def checkpoint_message(*, seq: int, hash: str, time: str, key: str) -> bytes:
    """Return the bytes a checkpoint's signature covers."""
    return _CHECKPOINT_DOMAIN + canonical_json(
        {"seq": seq, "hash": hash, "time": time, "key_id": key}
    )


def has_valid_signature(public_key: bytes, checkpoint: Mapping[str, Any]) -> bool:
    """Return whether ``checkpoint['signature']`` (base64) is ``public_key``'s signature of it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(checkpoint["signature"], validate=True)
        message = checkpoint_message(
            seq=checkpoint["seq"],
            hash=checkpoint["hash"],
            time=checkpoint["time"],
            key=checkpoint["key_id"],
        )
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong in a log, naming the event (or checkpoint) concerned."""

    reason: str
    event_id: int | None = None
    seq: int | None = None
    tag: str = ""

    def __str__(self) -> str:
        if self.event_id is None and self.seq is None:
            return self.reason
        where = f"event {self.event_id}" if self.event_id is not None else "checkpoint"
        extras = [f"seq {self.seq}" if self.seq is not None else "unsealed"]
        if self.tag:
            extras.append(f"tag {self.tag}")
        return f"{where} ({', '.join(extras)}): {self.reason}"


@dataclass(frozen=True)
class Report:
    """The outcome of a verification: ``problem`` is None when the log checked out."""

    events: int
    checkpoints: int
    last_seq: int
    last_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class ChainVerifier:
    """Check events and checkpoints fed in ``seq`` order; stop at the first problem.

    Use ``check_event`` for each event and ``check_checkpoint`` for each checkpoint whose ``seq``
    is at most the last event checked, then ``finish``. ``verify_log`` does the interleaving.
    """

    def __init__(
        self,
        *,
        public_key: bytes | None,
        start_seq: int = 1,
        start_prev_hash: str = GENESIS_HASH,
    ) -> None:
        self.public_key = public_key
        self.expected_seq = start_seq
        self.start_seq = start_seq
        self.last_hash = start_prev_hash
        self.hashes_at_checkpoints: dict[int, str] = {}
        self.events = 0
        self.checkpoints = 0
        self.last_checkpoint_seq = start_seq - 1
        self.problem: Problem | None = None

    def check_event(self, record: Mapping[str, Any]) -> Problem | None:
        """Check one sealed event, the next in ``seq`` order."""
        problem = self._event_problem(record)
        if problem is not None:
            self.problem = problem
            return problem
        self.expected_seq = record["seq"] + 1
        self.last_hash = record["hash"]
        self.events += 1
        return None

    def _event_problem(self, record: Mapping[str, Any]) -> Problem | None:
        def bad(reason: str) -> Problem:
            return Problem(reason, record.get("id"), record.get("seq"), record.get("tag", ""))

        seq = record.get("seq")
        if not isinstance(seq, int):
            return bad("it has no chain position")
        if seq > self.expected_seq:
            missing = seq - self.expected_seq
            return bad(
                f"expected seq {self.expected_seq}: {missing} event(s) before this one are "
                "missing (deleted?)"
            )
        if seq < self.expected_seq:
            return bad(f"expected seq {self.expected_seq}: this position is taken twice")
        if record.get("prev_hash") != self.last_hash:
            return bad(
                "its prev_hash does not match the event before it (events removed, inserted or "
                "reordered?)"
            )
        try:
            recomputed = event_hash(self.last_hash, record)
        except (KeyError, ValueError, TypeError) as e:
            return bad(f"it cannot be hashed ({e})")
        if recomputed != record.get("hash"):
            return bad("its contents changed after it was sealed (hash mismatch)")
        return None

    def check_checkpoint(
        self, checkpoint: Mapping[str, Any], event_hash_at_seq: str
    ) -> Problem | None:
        """Check a checkpoint against the verified hash of the event at its ``seq``."""
        seq = checkpoint.get("seq")

        def bad(reason: str) -> Problem:
            problem = Problem(f"checkpoint at seq {seq}: {reason}", None, seq)
            self.problem = problem
            return problem

        if self.public_key is None:
            return bad("no public key to check its signature")
        if checkpoint.get("hash") != event_hash_at_seq:
            return bad("it does not match the chain (events up to here were changed)")
        if not has_valid_signature(self.public_key, checkpoint):
            return bad(f"its signature is not valid for key {key_id(self.public_key)}")
        self.checkpoints += 1
        self.last_checkpoint_seq = max(self.last_checkpoint_seq, seq or 0)
        return None

    def finish(self) -> Report:
        """Return the report; flag sealed events that no signed checkpoint covers."""
        last_seq = self.expected_seq - 1
        if self.problem is None and last_seq > self.last_checkpoint_seq:
            self.problem = Problem(
                f"events after seq {self.last_checkpoint_seq} up to {last_seq} are covered by no "
                "signed checkpoint (appended outside the sealer?)",
                None,
                self.last_checkpoint_seq + 1,
            )
        return Report(self.events, self.checkpoints, last_seq, self.last_hash, self.problem)


def verify_log(
    events: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]],
    *,
    public_key: bytes | None,
    start_seq: int = 1,
    start_prev_hash: str = GENESIS_HASH,
) -> Report:
    """Verify events and checkpoints, each sorted by ``seq``; return at the first problem.

    Checkpoints before ``start_seq`` are ignored (a partial export starts mid-chain). A
    checkpoint past the last event means the end of the log was cut off.
    """
    verifier = ChainVerifier(
        public_key=public_key, start_seq=start_seq, start_prev_hash=start_prev_hash
    )
    pending = _peekable(cp for cp in checkpoints if cp.get("seq", 0) >= start_seq)
    for record in events:
        if verifier.check_event(record) is not None:
            return verifier.finish()
        while pending.peek() is not None and pending.peek()["seq"] <= record["seq"]:
            checkpoint = next(pending)
            if checkpoint["seq"] != record["seq"]:
                # Its event was verified earlier only if seq matched then; a skipped one is bad.
                verifier.check_checkpoint(checkpoint, event_hash_at_seq="")
                return verifier.finish()
            if verifier.check_checkpoint(checkpoint, record["hash"]) is not None:
                return verifier.finish()
    leftover = pending.peek()
    if leftover is not None:
        verifier.problem = Problem(
            f"checkpoint at seq {leftover['seq']} refers to events that are missing (the end "
            "of the log was cut off?)",
            None,
            leftover["seq"],
        )
    return verifier.finish()


def verify_export(lines: Iterable[str]) -> Report:
    """Verify an export made by ``stockade audit export`` (JSON Lines) on its own.

    The first line is the header; then events in ``seq`` order; then checkpoints. The public key
    in the header is trusted as given: compare its ``key_id`` with one you obtained separately.
    """
    iterator = iter(lines)
    try:
        header = json.loads(next(iterator))
    except (StopIteration, json.JSONDecodeError) as e:
        return Report(0, 0, 0, GENESIS_HASH, Problem(f"not an audit export: {e}"))
    if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
        return Report(0, 0, 0, GENESIS_HASH, Problem("not an audit export of a known version"))
    events: list[dict[str, Any]] = []
    checkpoints: list[dict[str, Any]] = []
    for number, line in enumerate(iterator, start=2):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            return Report(0, 0, 0, GENESIS_HASH, Problem(f"line {number} is not JSON: {e}"))
        (events if item.get("type") == "event" else checkpoints).append(item)
    public_key = base64.b64decode(header["public_key"]) if header.get("public_key") else None
    return verify_log(
        events,
        checkpoints,
        public_key=public_key,
        start_seq=header.get("start_seq", 1),
        start_prev_hash=header.get("start_prev_hash", GENESIS_HASH),
    )


class _peekable(Iterator[Mapping[str, Any]]):  # noqa: N801 - reads like the itertools helpers
    _EMPTY: Any = object()

    def __init__(self, iterable: Iterable[Mapping[str, Any]]) -> None:
        self._it = iter(iterable)
        self._head: Any = self._EMPTY

    def peek(self) -> Mapping[str, Any] | None:
        if self._head is self._EMPTY:
            self._head = next(self._it, None)
        return self._head

    def __next__(self) -> Mapping[str, Any]:
        head = self.peek()
        self._head = self._EMPTY
        if head is None:
            raise StopIteration
        return head
