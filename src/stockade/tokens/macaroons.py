"""Build and read the macaroons behind API tokens.

A token is ``stockade-`` followed by a serialized macaroon (base64url). Its identifier is the
token's database id; its caveats are JSON objects, one condition each:

* ``{"user_id": N}``: acts for user N only;
* ``{"projects": ["a", "b"]}``: only these normalized project names;
* ``{"nbf": T}`` / ``{"exp": T}``: valid from / until Unix time T.

A holder may add caveats offline to narrow a token further. A caveat this module does not know
makes the token invalid (fail closed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from pymacaroons import Macaroon, Verifier

TOKEN_PREFIX = "stockade-"  # noqa: S105 - a public prefix, not a secret
_KNOWN_CAVEATS = frozenset({"user_id", "projects", "nbf", "exp"})


class MacaroonFormatError(ValueError):
    """The string is not a token this module can read."""


@dataclass(frozen=True)
class Caveats:
    """The conditions a macaroon carries, merged: several caveats of one kind all apply."""

    user_ids: frozenset[int] = frozenset()
    project_sets: tuple[frozenset[str], ...] = ()
    not_before: int | None = None
    expires: int | None = None
    raw: tuple[str, ...] = field(default=(), repr=False)

    def allowed_projects(self) -> frozenset[str] | None:
        """The projects every project caveat allows, or None when no caveat limits projects."""
        if not self.project_sets:
            return None
        allowed = self.project_sets[0]
        for more in self.project_sets[1:]:
            allowed &= more
        return allowed


def derive_root_key(server_key: bytes, token_id: str, salt: str) -> bytes:
    """Return the macaroon root key for one token: needs the server key *and* the stored salt."""
    return hmac.new(
        server_key, f"stockade-token:{token_id}:{salt}".encode(), hashlib.sha256
    ).digest()


def mint(*, location: str, token_id: str, root_key: bytes, caveats: list[dict[str, Any]]) -> str:
    macaroon = Macaroon(location=location, identifier=token_id, key=root_key)
    for caveat in caveats:
        macaroon.add_first_party_caveat(json.dumps(caveat, sort_keys=True, separators=(",", ":")))
    return TOKEN_PREFIX + macaroon.serialize()


def parse(token: str) -> tuple[Macaroon, str, Caveats]:
    """Return the macaroon, its identifier and its caveats. Checks no signature.

    Raises:
        MacaroonFormatError: not a Stockade token, or not a readable macaroon.
    """
    if not token.startswith(TOKEN_PREFIX):
        raise MacaroonFormatError(f"tokens start with {TOKEN_PREFIX!r}")
    try:
        macaroon = Macaroon.deserialize(token[len(TOKEN_PREFIX) :])
        identifier = macaroon.identifier
        predicates = [c.caveat_id for c in macaroon.caveats if c.first_party()]
        third_party = [c for c in macaroon.caveats if c.third_party()]
    except Exception as e:
        raise MacaroonFormatError("the token is not a readable macaroon") from e
    if third_party:
        raise MacaroonFormatError("third-party caveats are not supported")
    return macaroon, identifier, _read_caveats(predicates)


def _read_caveats(predicates: list[str]) -> Caveats:
    user_ids: set[int] = set()
    project_sets: list[frozenset[str]] = []
    not_before: int | None = None
    expires: int | None = None
    for predicate in predicates:
        try:
            body = json.loads(predicate)
        except ValueError as e:
            raise MacaroonFormatError("a caveat is not JSON") from e
        if not isinstance(body, dict) or len(body) != 1 or not set(body) <= _KNOWN_CAVEATS:
            raise MacaroonFormatError("the token carries a caveat this index does not know")
        [(kind, value)] = body.items()
        if kind == "user_id" and isinstance(value, int):
            user_ids.add(value)
        elif (
            kind == "projects"
            and isinstance(value, list)
            and all(isinstance(p, str) for p in value)
        ):
            project_sets.append(frozenset(value))
        elif kind == "nbf" and isinstance(value, int):
            not_before = value if not_before is None else max(not_before, value)
        elif kind == "exp" and isinstance(value, int):
            expires = value if expires is None else min(expires, value)
        else:
            raise MacaroonFormatError(f"the {kind!r} caveat has a value of the wrong type")
    return Caveats(frozenset(user_ids), tuple(project_sets), not_before, expires, tuple(predicates))


def has_valid_signature(macaroon: Macaroon, root_key: bytes) -> bool:
    """Check the HMAC chain (in constant time). Caveats are judged by the caller beforehand."""
    verifier = Verifier()
    verifier.satisfy_general(lambda predicate: True)
    try:
        return bool(verifier.verify(macaroon, root_key))
    except Exception:
        return False
