"""TOTP codes (RFC 6238) with the parameters every authenticator app understands.

SHA-1, 6 digits, 30-second steps; a code is accepted for the current step and one step either
side (about ±30 s of clock difference). Codes are computed by ``pyotp`` and compared in constant
time. Pure functions, no database: the caller keeps the last accepted step to refuse replays.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from enum import Enum

import pyotp

DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1
# A code that matches this many steps away (but not within the window) means the device's
# clock is wrong, not that the code was guessed: say so instead of a plain "wrong code".
SKEW_STEPS = 20


class Verdict(Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"
    CLOCK_SKEW = "clock-skew"


@dataclass(frozen=True)
class Check:
    """The outcome of checking one code: the verdict and, when accepted, the matched step."""

    verdict: Verdict
    step: int = 0
    offset_seconds: int = 0


def new_secret() -> str:
    """Return a fresh random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """Return the ``otpauth://`` URI that authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def normalize_code(code: str) -> str:
    """Return ``code`` without the spaces and dashes people type between the digits."""
    return "".join(code.split()).replace("-", "")


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def check_code(secret: str, code: str, *, last_step: int = 0, now: float | None = None) -> Check:
    """Check ``code`` against ``secret`` at ``now``.

    Args:
        last_step: the step of the last code accepted for this secret; codes for that step or
            an earlier one are replays.
        now: seconds since the epoch (tests pass a fixed time).

    Returns:
        A ``Check``; ``step`` is the matched time step when the code is accepted or replayed.
    """
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return Check(Verdict.WRONG)
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    for offset in range(-WINDOW_STEPS, WINDOW_STEPS + 1):
        if _matches(totp, code, step + offset):
            if step + offset <= last_step:
                return Check(Verdict.REPLAYED, step=step + offset)
            return Check(Verdict.ACCEPTED, step=step + offset)
    for distance in range(WINDOW_STEPS + 1, SKEW_STEPS + 1):
        for offset in (-distance, distance):
            if _matches(totp, code, step + offset):
                return Check(Verdict.CLOCK_SKEW, offset_seconds=offset * STEP_SECONDS)
    return Check(Verdict.WRONG)


def code_at(secret: str, when: float) -> str:
    """Return the code for the time ``when`` (for tests and the command line)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(int(when))


def _matches(totp: pyotp.TOTP, code: str, step: int) -> bool:
    if step < 0:
        return False
    expected = totp.at(step * STEP_SECONDS)
    return hmac.compare_digest(expected.encode(), code.encode())
