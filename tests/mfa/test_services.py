"""Second-factor services: enrolment, second steps, recovery codes, events and mail."""

from __future__ import annotations

import pytest
from django.core import mail

from stockade.audit.actors import Actor, Means, actor_for_cli
from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import recovery, services, totp
from stockade.mfa.exceptions import (
    ClockSkewError,
    InvalidCodeError,
    InvalidRecoveryCodeError,
    ReplayedCodeError,
    TotpAlreadyEnabledError,
    TotpNotEnabledError,
)
from stockade.mfa.models import RecoveryCode, TotpDevice
from stockade.mfa.policy import has_second_factor
from tests.mfa.conftest import IP, code_now, next_code

pytestmark = pytest.mark.django_db


def session_of(user) -> Actor:
    return Actor(Means.SESSION, user=user, ip=IP)


def visitor() -> Actor:
    return Actor(Means.ANONYMOUS, ip=IP)


def tags_for(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_user_id=user.pk, tag__startswith="mfa:")
        .order_by("pk")
        .values_list("tag", flat=True)
    )


def enable(user) -> tuple[str, list[str]]:
    secret = totp.new_secret()
    codes = services.enable_totp(actor=session_of(user), secret=secret, code=code_now(secret))
    return secret, codes


def test_enabling_totp_stores_the_device_and_makes_eight_recovery_codes(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        secret, codes = enable(person)
    assert TotpDevice.objects.get(user=person).secret == secret
    assert len(codes) == 8
    stored = set(RecoveryCode.objects.filter(user=person).values_list("code_hash", flat=True))
    assert stored == {recovery.hash_code(code) for code in codes}
    assert not stored & set(codes)  # only hashes are kept
    assert tags_for(person) == [Tag.MFA_TOTP_ADD]
    [message] = mail.outbox
    assert message.to == ["pia@example.com"]
    assert "second factor was added" in message.subject
    assert "an authenticator app" in message.body


def test_enabling_refuses_a_wrong_code_and_keeps_nothing(person):
    secret = totp.new_secret()
    wrong = "000000" if code_now(secret) != "000000" else "111111"
    with pytest.raises(InvalidCodeError):
        services.enable_totp(actor=session_of(person), secret=secret, code=wrong)
    assert not has_second_factor(person.pk)
    assert not RecoveryCode.objects.filter(user=person).exists()


def test_enabling_reports_clock_skew(person):
    secret = totp.new_secret()
    import time

    late = totp.code_at(secret, time.time() - 300)
    with pytest.raises(ClockSkewError, match="clock"):
        services.enable_totp(actor=session_of(person), secret=secret, code=late)


def test_a_second_app_is_refused(person):
    enable(person)
    with pytest.raises(TotpAlreadyEnabledError):
        enable(person)


def test_the_confirming_code_cannot_be_used_to_log_in(person):
    secret = totp.new_secret()
    code = code_now(secret)
    services.enable_totp(actor=session_of(person), secret=secret, code=code)
    with pytest.raises(ReplayedCodeError):
        services.verify_totp(actor=visitor(), user=person, code=code)


def test_verifying_accepts_a_fresh_code_once(person, django_capture_on_commit_callbacks):
    enable(person)
    code = next_code(person)
    services.verify_totp(actor=visitor(), user=person, code=code)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReplayedCodeError):
        services.verify_totp(actor=visitor(), user=person, code=code)
    event = AuditEvent.objects.filter(tag=Tag.MFA_SECOND_STEP_FAILED).get()
    assert event.details == {"method": "totp", "reason": "replayed"}
    assert event.subject_user_id == person.pk
    [message] = mail.outbox
    assert "failed at the second step" in message.subject
    assert IP in message.body


def test_removing_totp_takes_a_valid_code_and_drops_the_recovery_codes(person):
    enable(person)
    with pytest.raises(InvalidCodeError):
        services.remove_totp(actor=session_of(person), code="12345x")
    services.remove_totp(actor=session_of(person), code=next_code(person))
    assert not has_second_factor(person.pk)
    assert not RecoveryCode.objects.filter(user=person).exists()
    assert tags_for(person) == [Tag.MFA_TOTP_ADD, Tag.MFA_TOTP_REMOVE]
    with pytest.raises(TotpNotEnabledError):
        services.remove_totp(actor=session_of(person), code="123456")


def test_a_recovery_code_works_once_and_tells_how_many_are_left(
    person, django_capture_on_commit_callbacks
):
    _secret, codes = enable(person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        remaining = services.use_recovery_code(actor=visitor(), user=person, code=codes[0].upper())
    assert remaining == 7
    [message] = mail.outbox
    assert "recovery code was used" in message.subject
    assert "7 codes are left" in message.body
    event = AuditEvent.objects.get(tag=Tag.MFA_RECOVERY_USED)
    assert event.details == {"remaining": 7}
    with pytest.raises(InvalidRecoveryCodeError):
        services.use_recovery_code(actor=visitor(), user=person, code=codes[0])
    failed = AuditEvent.objects.get(tag=Tag.MFA_SECOND_STEP_FAILED)
    assert failed.details == {"method": "recovery-code", "reason": "invalid"}


def test_another_users_recovery_code_does_not_work(person, owner):
    _secret, codes = enable(person)
    with pytest.raises(InvalidRecoveryCodeError):
        services.use_recovery_code(actor=visitor(), user=owner, code=codes[0])


def test_regenerating_replaces_every_code(person):
    _secret, old = enable(person)
    new = services.regenerate_recovery_codes(actor=session_of(person))
    assert len(new) == 8 and not set(new) & set(old)
    with pytest.raises(InvalidRecoveryCodeError):
        services.use_recovery_code(actor=visitor(), user=person, code=old[1])
    assert services.use_recovery_code(actor=visitor(), user=person, code=new[1]) == 7
    assert Tag.MFA_RECOVERY_REGENERATE in tags_for(person)


def test_regenerating_without_a_factor_is_refused(person):
    with pytest.raises(TotpNotEnabledError):
        services.regenerate_recovery_codes(actor=session_of(person))


def test_the_operator_can_enrol_an_app_for_a_new_user(person):
    secret, codes = services.enrol_totp_by_operator(actor=actor_for_cli(), user=person)
    assert len(codes) == 8
    services.verify_totp(actor=visitor(), user=person, code=code_now(secret))
    event = AuditEvent.objects.get(tag=Tag.MFA_TOTP_ADD)
    assert event.actor_means == "cli"
