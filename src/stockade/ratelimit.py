"""Rate limits kept in the Django cache.

A :class:`RateLimit` counts hits per identifier (a user name, an IP address, an email address) in
fixed windows of ``rate.period`` seconds. Counting is atomic in any Django cache that implements
``add`` and ``incr`` atomically (local memory, Redis, Memcached): ``add`` creates the window's
counter only if it is missing and ``incr`` bumps it, so concurrent requests never both see the
same count. A fixed window lets a client spend its budget at the end of one window and again at
the start of the next (at most twice the limit in one period); that is the price of one counter
per window, and it is fine for slowing down password guessing.

Identifiers are hashed before they become cache keys: keys stay short and valid for every
backend, and the cache does not hold user names or addresses in clear.

Typical use, counting only failures (the pattern for logins and second factors)::

    limit = RateLimit("login-user", "10/5m")
    decision = limit.hit(username)
    if not decision.allowed:
        return too_many_requests(decision.retry_after)
    if not password_ok:
        return failure()           # the hit stays counted
    limit.refund(decision)         # a success does not use up the budget

With the local-memory cache (the default) each server process keeps its own counters; operators
running several processes or machines set ``STOCKADE_CACHE_URL`` to a shared Redis.

Limits by client address key on :func:`ip_identifier` of ``stockade.clientip.client_ip``, the
same address the audit log records.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches

logger = logging.getLogger(__name__)

_PERIOD_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE_RE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*")


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` hits per ``period`` seconds."""

    limit: int
    period: int

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"a rate limit must allow at least one hit, not {self.limit}")
        if self.period < 1:
            raise ValueError(f"a rate period must be at least one second, not {self.period}")

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Parse ``COUNT/PERIOD`` such as ``10/5m``, ``5/h`` or ``100/d`` (units s, m, h, d)."""
        match = _RATE_RE.fullmatch(text)
        if not match:
            raise ValueError(f"not a rate: {text!r} (try 10/5m, 5/h or 100/d)")
        count, multiple, unit = match.groups()
        return cls(limit=int(count), period=int(multiple or 1) * _PERIOD_UNITS[unit])

    def __str__(self) -> str:
        return f"{self.limit}/{self.period}s"


@dataclass(frozen=True)
class Decision:
    """The outcome of one hit.

    Attributes:
        allowed: the hit is within the limit.
        count: hits in the current window, this one included.
        limit: hits allowed per window.
        retry_after: whole seconds until the window ends and the count starts again.
        cache_key: the window's counter, so :meth:`RateLimit.refund` undoes exactly this hit.
    """

    allowed: bool
    count: int
    limit: int
    retry_after: int
    cache_key: str

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


class RateLimit:
    """A named limit, such as "login attempts per user name", counted in the cache.

    Args:
        scope: names the limit; two limits with different scopes never share counters.
        rate: a :class:`Rate` or its text form (``"10/5m"``).
        cache_alias: which of ``settings.CACHES`` holds the counters.
        clock: returns the time in seconds; tests pass a fake one.
    """

    def __init__(
        self,
        scope: str,
        rate: Rate | str,
        *,
        cache_alias: str = "default",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.scope = scope
        self.rate = Rate.parse(rate) if isinstance(rate, str) else rate
        self.cache_alias = cache_alias
        self.clock = clock

    def __repr__(self) -> str:
        return f"RateLimit({self.scope!r}, {str(self.rate)!r})"

    def hit(self, identifier: str) -> Decision:
        """Count one hit for ``identifier`` and say whether it is within the limit."""
        key, retry_after, timeout = self._window(identifier)
        cache = caches[self.cache_alias]
        cache.add(key, 0, timeout=timeout)
        try:
            count = cache.incr(key)
        except ValueError:
            # The counter expired between add() and incr(): this hit opens a new window.
            cache.add(key, 0, timeout=timeout)
            count = cache.incr(key)
        decision = Decision(
            allowed=count <= self.rate.limit,
            count=count,
            limit=self.rate.limit,
            retry_after=retry_after,
            cache_key=key,
        )
        if not decision.allowed:
            logger.info("Rate limit %s exceeded (%d hits)", self.scope, count)
        return decision

    def peek(self, identifier: str) -> Decision:
        """Return the current state for ``identifier`` without counting a hit."""
        key, retry_after, _timeout = self._window(identifier)
        count = caches[self.cache_alias].get(key, 0)
        return Decision(
            allowed=count < self.rate.limit,
            count=count,
            limit=self.rate.limit,
            retry_after=retry_after,
            cache_key=key,
        )

    def refund(self, decision: Decision) -> None:
        """Take back the hit that returned ``decision`` (for example, a successful login)."""
        cache = caches[self.cache_alias]
        try:
            if cache.get(decision.cache_key, 0) > 0:
                cache.decr(decision.cache_key)
        except ValueError:
            pass  # The window ended in the meantime; nothing left to refund.

    def reset(self, identifier: str) -> None:
        """Forget the current window's hits for ``identifier``."""
        key, _retry_after, _timeout = self._window(identifier)
        caches[self.cache_alias].delete(key)

    def _window(self, identifier: str) -> tuple[str, int, int]:
        """Return the window's cache key, seconds until it ends, and the counter's lifetime."""
        now = self.clock()
        period = self.rate.period
        window = int(now // period)
        retry_after = max(1, math.ceil((window + 1) * period - now))
        digest = hashlib.sha256(f"{self.scope}\0{identifier}".encode()).hexdigest()[:32]
        # The counter outlives its window by a second so a slow request never recreates it.
        return f"ratelimit:{self.scope}:{digest}:{window}", retry_after, retry_after + 1


def hit_all(limits: list[tuple[RateLimit, str]]) -> list[Decision]:
    """Count one hit in each ``(limit, identifier)`` pair; return every decision.

    Every limit is hit even when an earlier one refuses, so a client that is over one limit
    keeps paying into the others.
    """
    return [limit.hit(identifier) for limit, identifier in limits]


def first_refusal(decisions: list[Decision]) -> Decision | None:
    """Return the refusing decision that lasts longest, or ``None`` when all are allowed."""
    refused = [d for d in decisions if not d.allowed]
    return max(refused, key=lambda d: d.retry_after) if refused else None


def ip_identifier(ip: str) -> str:
    """Return the key to rate-limit ``ip`` by: the address itself, or its /64 for IPv6.

    One IPv6 client usually holds a whole /64, so limiting single IPv6 addresses limits nothing.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
