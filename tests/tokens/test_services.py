"""API tokens: scopes, expiry, revocation, and why a database copy cannot forge one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from pymacaroons import Macaroon

from stockade.audit.actors import actor_for_cli
from stockade.tokens import macaroons
from stockade.tokens.exceptions import (
    TokenExpiredError,
    TokenInvalidError,
    TokenNotYetValidError,
    TokenRevokedError,
    TokenScopeError,
)
from stockade.tokens.models import ApiToken
from stockade.tokens.services import (
    authenticate_token,
    check_token_scope,
    issue_token,
    revoke_token,
)

pytestmark = pytest.mark.django_db


def test_issued_token_has_scannable_prefix_and_authenticates(owner):
    row, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    assert secret.startswith("stockade-")
    assert authenticate_token(secret).pk == row.pk


def test_secret_is_not_stored(owner):
    row, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert all(secret[len("stockade-") :] not in str(value) for value in stored.values())


def test_user_wide_token_may_act_on_any_project(owner):
    _, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="all")
    check_token_scope(authenticate_token(secret), "anything-at-all")


def test_project_token_is_limited_to_its_projects_in_any_spelling(owner):
    _, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="one", projects=["Foo.Bar"]
    )
    token = authenticate_token(secret)
    check_token_scope(token, "foo_bar")
    with pytest.raises(TokenScopeError, match="foo-bar"):
        check_token_scope(token, "other")


def test_expired_token_is_refused_with_its_expiry(owner):
    now = timezone.now()
    _, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="old", expires=now + timedelta(hours=1)
    )
    authenticate_token(secret, now=now)
    with pytest.raises(TokenExpiredError, match="expired at"):
        authenticate_token(secret, now=now + timedelta(hours=2))


def test_not_yet_valid_token_is_refused(owner):
    now = timezone.now()
    _, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="later", not_before=now + timedelta(days=1)
    )
    with pytest.raises(TokenNotYetValidError):
        authenticate_token(secret, now=now)


def test_revoked_token_is_refused(owner):
    row, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="gone")
    revoke_token(actor=actor_for_cli(), token=row)
    with pytest.raises(TokenRevokedError):
        authenticate_token(secret)


@pytest.mark.parametrize("garbage", ["", "stockade-", "stockade-!!!", "pypi-abc", "x" * 5000])
def test_garbage_is_invalid_not_an_error(garbage):
    with pytest.raises(TokenInvalidError):
        authenticate_token(garbage)


def test_tampered_caveat_breaks_the_signature(owner):
    _, secret = issue_token(
        actor=actor_for_cli(owner), user=owner, name="scoped", projects=["mine"]
    )
    macaroon, identifier, _ = macaroons.parse(secret)
    forged = Macaroon(location=macaroon.location, identifier=identifier, key=b"\0" * 32)
    forged.signature = macaroon.signature  # keep the signature, drop the project caveat
    with pytest.raises(TokenInvalidError):
        authenticate_token(macaroons.TOKEN_PREFIX + forged.serialize())


def test_holder_can_narrow_a_token_offline(owner):
    _, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="broad")
    macaroon, _, _ = macaroons.parse(secret)
    macaroon.add_first_party_caveat('{"projects":["only-this"]}')
    narrowed = authenticate_token(macaroons.TOKEN_PREFIX + macaroon.serialize())
    with pytest.raises(TokenScopeError):
        check_token_scope(narrowed, "something-else")
    check_token_scope(narrowed, "only-this")


def test_unknown_caveat_fails_closed(owner):
    _, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="broad")
    macaroon, _, _ = macaroons.parse(secret)
    macaroon.add_first_party_caveat('{"admin":true}')
    with pytest.raises(TokenInvalidError, match="caveat"):
        authenticate_token(macaroons.TOKEN_PREFIX + macaroon.serialize())


def test_database_copy_without_server_secret_cannot_forge(owner, settings):
    """Everything in the row (id, salt) is not enough: the root key also needs SECRET_KEY."""
    row, _ = issue_token(actor=actor_for_cli(owner), user=owner, name="victim")
    guessed_key = macaroons.derive_root_key(b"attacker-guess", str(row.id), row.key_salt)
    forged = macaroons.mint(
        location="stockade",
        token_id=str(row.id),
        root_key=guessed_key,
        caveats=[{"user_id": owner.pk}],
    )
    with pytest.raises(TokenInvalidError):
        authenticate_token(forged)


def test_tokens_stop_working_when_the_secret_key_changes(owner):
    _, secret = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    with (
        override_settings(SECRET_KEY="another-secret-key-entirely-" * 3),
        pytest.raises(TokenInvalidError),
    ):
        authenticate_token(secret)


def test_token_naming_another_user_is_refused(owner, outsider):
    row, _ = issue_token(actor=actor_for_cli(owner), user=owner, name="ci")
    from stockade.tokens.services import _server_key

    key = macaroons.derive_root_key(_server_key(), str(row.id), row.key_salt)
    forged = macaroons.mint(
        location="stockade", token_id=str(row.id), root_key=key, caveats=[{"user_id": outsider.pk}]
    )
    with pytest.raises(TokenInvalidError, match="another user"):
        authenticate_token(forged)
