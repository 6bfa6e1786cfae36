"""stockade.ratelimit: counters in the cache, and the client address they are keyed by."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches
from django.test import RequestFactory

from stockade.clientip import client_ip
from stockade.ratelimit import Rate, RateLimit, first_refusal, hit_all, ip_identifier


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/5m", Rate(10, 300)), ("5/h", Rate(5, 3600)), ("100/d", Rate(100, 86400)),
     (" 3 / 30s ", Rate(3, 30))],
)  # fmt: skip
def test_rate_parse_understands_counts_and_periods(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "10", "10/", "10/5x", "ten/m", "0/m", "-1/m", "5/0m"])
def test_rate_parse_refuses_nonsense(text):
    with pytest.raises(ValueError, match="rate"):
        Rate.parse(text)


def test_hits_within_limit_are_allowed_then_refused():
    limit = RateLimit("t", "3/m", clock=FakeClock(60 * 1000 + 15))
    decisions = [limit.hit("alice") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4]
    assert decisions[-1].retry_after == 45
    assert decisions[0].remaining == 2


def test_window_ends_and_count_starts_again():
    clock = FakeClock(60 * 1000)
    limit = RateLimit("t", "1/m", clock=clock)
    assert limit.hit("alice").allowed is True
    assert limit.hit("alice").allowed is False
    clock.now += 60
    assert limit.hit("alice").allowed is True


def test_identifiers_and_scopes_are_counted_apart():
    clock = FakeClock()
    first = RateLimit("one", "1/m", clock=clock)
    second = RateLimit("two", "1/m", clock=clock)
    assert first.hit("alice").allowed is True
    assert first.hit("bob").allowed is True
    assert second.hit("alice").allowed is True
    assert first.hit("alice").allowed is False


def test_peek_does_not_count():
    limit = RateLimit("t", "1/m", clock=FakeClock())
    assert limit.peek("alice").allowed is True
    assert limit.peek("alice").count == 0
    limit.hit("alice")
    assert limit.peek("alice").allowed is False


def test_refund_takes_back_one_hit():
    limit = RateLimit("t", "2/m", clock=FakeClock())
    limit.hit("alice")
    second = limit.hit("alice")
    limit.refund(second)
    assert limit.peek("alice").count == 1
    limit.refund(second)
    limit.refund(second)
    assert limit.peek("alice").count == 0


def test_refund_after_the_window_expired_is_harmless():
    limit = RateLimit("t", "2/m", clock=FakeClock())
    decision = limit.hit("alice")
    cache.delete(decision.cache_key)
    limit.refund(decision)
    assert limit.peek("alice").count == 0


def test_reset_forgets_hits():
    limit = RateLimit("t", "1/m", clock=FakeClock())
    limit.hit("alice")
    limit.reset("alice")
    assert limit.hit("alice").allowed is True


def test_hit_recovers_when_counter_vanishes_between_add_and_incr(monkeypatch):
    limit = RateLimit("t", "2/m", clock=FakeClock())
    backend = caches["default"]
    real_add = backend.add
    calls = []

    def add_then_lose(key, value, timeout):
        calls.append(key)
        result = real_add(key, value, timeout)
        if len(calls) == 1:
            cache.delete(key)  # another process's expiry, between add() and incr()
        return result

    monkeypatch.setattr(backend, "add", add_then_lose)
    assert limit.hit("alice").count == 1
    assert len(calls) == 2


def test_cache_keys_hash_the_identifier():
    decision = RateLimit("login", "1/m", clock=FakeClock()).hit("alice@example.com")
    assert "alice" not in decision.cache_key
    assert decision.cache_key.startswith("ratelimit:login:")
    assert len(decision.cache_key) < 100


def test_hit_all_counts_every_limit_and_first_refusal_picks_the_longest():
    clock = FakeClock(3600 * 100 + 30)
    short = RateLimit("short", "1/m", clock=clock)
    long = RateLimit("long", "1/h", clock=clock)
    assert first_refusal(hit_all([(short, "a"), (long, "a")])) is None
    decisions = hit_all([(short, "a"), (long, "a")])
    refused = first_refusal(decisions)
    assert refused is decisions[1]
    assert refused.retry_after == 3600 - 30
    assert long.peek("a").count == 2


def test_client_ip_uses_remote_addr_and_ignores_forwarded_for_by_default(settings):
    settings.STOCKADE_BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "192.0.2.1"


def test_client_ip_behind_proxy_trusts_only_the_last_hop(settings):
    settings.STOCKADE_BEHIND_PROXY = True
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5"
    )
    assert client_ip(request) == "203.0.113.5"


def test_client_ip_behind_proxy_without_header_uses_remote_addr(settings):
    settings.STOCKADE_BEHIND_PROXY = True
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_client_ip_unmaps_ipv4_mapped_ipv6(settings):
    settings.STOCKADE_BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="::ffff:192.0.2.1")
    assert client_ip(request) == "192.0.2.1"


def test_client_ip_refuses_garbage(settings):
    settings.STOCKADE_BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="evil")
    assert client_ip(request) is None


@pytest.mark.parametrize(
    ("ip", "identifier"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("unknown", "unknown"),
    ],
)
def test_ip_identifier_groups_ipv6_by_64(ip, identifier):
    assert ip_identifier(ip) == identifier


def test_system_check_names_an_unreadable_rate_setting(settings):
    from stockade.accounts.checks import check_rate_settings

    assert check_rate_settings() == []
    settings.STOCKADE_LOGIN_RATE = "ten a minute"
    [error] = check_rate_settings()
    assert "STOCKADE_LOGIN_RATE" in error.msg
