"""WebAuthn through ``py_webauthn`` with a software authenticator: real keys and signatures."""

from __future__ import annotations

import pytest

from stockade.audit.models import AuditEvent
from stockade.audit.tags import Tag
from stockade.mfa import ceremony, services
from stockade.mfa.exceptions import (
    CredentialNameTakenError,
    CredentialNotFoundError,
    WebAuthnCeremonyError,
)
from stockade.mfa.models import RecoveryCode, WebAuthnCredential
from stockade.mfa.policy import has_second_factor
from tests.mfa.authenticator import SoftAuthenticator
from tests.mfa.test_services import session_of, visitor

pytestmark = pytest.mark.django_db

RP = ceremony.RelyingParty(id="localhost", name="Stockade", origin="http://localhost:8000")


def register(user, key: SoftAuthenticator, name: str = "blue key"):
    options, challenge = services.begin_webauthn_registration(user=user, rp=RP)
    return services.add_webauthn_credential(
        actor=session_of(user),
        rp=RP,
        challenge=challenge,
        credential=key.create(options),
        name=name,
    )


def authenticate(user, key: SoftAuthenticator, **kwargs):
    options, challenge = services.begin_webauthn_authentication(user=user, rp=RP)
    return services.verify_webauthn(
        actor=visitor(),
        user=user,
        rp=RP,
        challenge=challenge,
        credential=key.get(options, **kwargs),
    )


def test_registering_a_key_stores_it_and_makes_recovery_codes(person):
    key = SoftAuthenticator(origin=RP.origin)
    stored, codes = register(person, key)
    assert bytes(stored.credential_id) == key.credential_id
    assert stored.name == "blue key" and stored.transports == ["usb"]
    assert len(codes) == 8 and RecoveryCode.objects.filter(user=person).count() == 8
    assert has_second_factor(person.pk)
    event = AuditEvent.objects.get(tag=Tag.MFA_WEBAUTHN_ADD)
    assert event.details == {"name": "blue key"}


def test_several_keys_each_log_in_and_only_the_first_makes_codes(person):
    first, second = SoftAuthenticator(origin=RP.origin), SoftAuthenticator(origin=RP.origin)
    register(person, first, "first")
    _stored, codes = register(person, second, "second")
    assert codes == []
    assert authenticate(person, first).name == "first"
    assert authenticate(person, second).name == "second"


def test_the_signature_counter_is_kept_and_must_grow(person):
    key = SoftAuthenticator(origin=RP.origin)
    register(person, key)
    authenticate(person, key, advance=5)
    assert WebAuthnCredential.objects.get(user=person).sign_count == 5
    # A clone replaying an older counter value is refused.
    key.sign_count = 2
    with pytest.raises(WebAuthnCeremonyError):
        authenticate(person, key)
    assert AuditEvent.objects.get(tag=Tag.MFA_SECOND_STEP_FAILED).details == {
        "method": "webauthn",
        "reason": "invalid",
    }


def test_an_answer_from_another_origin_is_refused(person):
    register(person, SoftAuthenticator(origin=RP.origin))
    phisher = SoftAuthenticator(origin="http://evil.example")
    with pytest.raises(WebAuthnCeremonyError):
        register(person, phisher, "phished")


def test_an_answer_to_another_challenge_is_refused(person):
    key = SoftAuthenticator(origin=RP.origin)
    register(person, key)
    options, _challenge = services.begin_webauthn_authentication(user=person, rp=RP)
    with pytest.raises(WebAuthnCeremonyError):
        services.verify_webauthn(
            actor=visitor(), user=person, rp=RP, challenge=b"x" * 32, credential=key.get(options)
        )


def test_another_users_key_does_not_log_in(person, owner):
    key = SoftAuthenticator(origin=RP.origin)
    register(person, key)
    options, challenge = services.begin_webauthn_authentication(user=owner, rp=RP)
    with pytest.raises(WebAuthnCeremonyError):
        services.verify_webauthn(
            actor=visitor(), user=owner, rp=RP, challenge=challenge, credential=key.get(options)
        )


def test_names_are_unique_per_user(person):
    register(person, SoftAuthenticator(origin=RP.origin), "laptop")
    with pytest.raises(CredentialNameTakenError):
        register(person, SoftAuthenticator(origin=RP.origin), "laptop")


def test_removing_a_key(person, owner):
    stored, _codes = register(person, SoftAuthenticator(origin=RP.origin))
    with pytest.raises(CredentialNotFoundError):
        services.remove_webauthn_credential(actor=session_of(owner), credential_pk=stored.pk)
    services.remove_webauthn_credential(actor=session_of(person), credential_pk=stored.pk)
    assert not has_second_factor(person.pk)
    assert not RecoveryCode.objects.filter(user=person).exists()
    assert AuditEvent.objects.get(tag=Tag.MFA_WEBAUTHN_REMOVE).details == {"name": "blue key"}


def test_the_relying_party_comes_from_the_base_url_or_the_request():
    rp = ceremony.relying_party(
        base_url="https://pypi.example.org", request_origin="http://x:1", name="S"
    )
    assert (rp.id, rp.origin) == ("pypi.example.org", "https://pypi.example.org")
    rp = ceremony.relying_party(base_url="", request_origin="http://localhost:8123", name="S")
    assert (rp.id, rp.origin) == ("localhost", "http://localhost:8123")
    rp = ceremony.relying_party(
        base_url="", request_origin="http://a", name="S", rp_id="b.example", origin="https://b"
    )
    assert (rp.id, rp.origin) == ("b.example", "https://b")
