"""TOTP checking: RFC 6238 vectors, the ±1 step window, replays and clock skew."""

from __future__ import annotations

import base64

import pytest

from stockade.mfa import totp
from stockade.mfa.totp import Verdict

SECRET = totp.new_secret()
NOW = 1_800_000_015.0  # 15 s into a step


def at_offset(steps: int) -> str:
    return totp.code_at(SECRET, NOW + steps * totp.STEP_SECONDS)


def test_rfc_6238_sha1_vector():
    """RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" at T=59 gives 287082."""
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, 59) == "287082"
    assert totp.check_code(secret, "287082", now=59).verdict is Verdict.ACCEPTED


def test_new_secrets_are_160_bits_of_base32():
    secret = totp.new_secret()
    assert len(secret) == 32
    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.new_secret()


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_a_code_within_one_step_is_accepted(steps):
    check = totp.check_code(SECRET, at_offset(steps), now=NOW)
    assert check.verdict is Verdict.ACCEPTED
    assert check.step == totp.current_step(NOW) + steps


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused_as_clock_skew(steps):
    check = totp.check_code(SECRET, at_offset(steps), now=NOW)
    assert check.verdict is Verdict.CLOCK_SKEW
    assert check.offset_seconds == steps * 30


def test_a_code_far_outside_the_window_reports_the_skew():
    check = totp.check_code(SECRET, at_offset(-12), now=NOW)
    assert check.verdict is Verdict.CLOCK_SKEW
    assert check.offset_seconds == -360


def test_a_code_beyond_the_skew_search_is_just_wrong():
    assert totp.check_code(SECRET, at_offset(40), now=NOW).verdict in {
        Verdict.WRONG,
        Verdict.CLOCK_SKEW,  # a 1-in-a-million collision with a nearer step
    }


def test_a_code_for_the_last_used_step_or_earlier_is_a_replay():
    step = totp.current_step(NOW)
    assert totp.check_code(SECRET, at_offset(0), last_step=step, now=NOW).verdict is (
        Verdict.REPLAYED
    )
    assert totp.check_code(SECRET, at_offset(-1), last_step=step, now=NOW).verdict is (
        Verdict.REPLAYED
    )
    assert totp.check_code(SECRET, at_offset(1), last_step=step, now=NOW).verdict is (
        Verdict.ACCEPTED
    )


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_wrong(code):
    assert totp.check_code(SECRET, code, now=NOW).verdict is Verdict.WRONG


def test_spaces_and_dashes_between_digits_are_ignored():
    code = at_offset(0)
    assert totp.check_code(SECRET, f" {code[:3]} {code[3:]} ", now=NOW).verdict is (
        Verdict.ACCEPTED
    )
    assert totp.check_code(SECRET, f"{code[:3]}-{code[3:]}", now=NOW).verdict is Verdict.ACCEPTED


def test_the_provisioning_uri_names_the_parameters_apps_need():
    uri = totp.provisioning_uri(SECRET, account="pia", issuer="Stockade")
    assert uri.startswith("otpauth://totp/Stockade:pia?")
    assert f"secret={SECRET}" in uri
    assert "issuer=Stockade" in uri
