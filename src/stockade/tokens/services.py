"""Issue, verify and revoke API tokens, including tokens that secret scanners report leaked.

Creating and revoking a token records its audit event (``token:*``) in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from packaging.utils import canonicalize_name

from stockade.accounts.models import User
from stockade.audit.services import Actor, JsonValue, Tag, record_event
from stockade.mail import send_templated_email
from stockade.packaging.models import Role
from stockade.tokens import macaroons
from stockade.tokens.disclosure import TokenReport
from stockade.tokens.exceptions import (
    TokenExpiredError,
    TokenInvalidError,
    TokenNotFoundError,
    TokenNotYetValidError,
    TokenProjectNotAllowedError,
    TokenRevokedError,
    TokenScopeError,
)
from stockade.tokens.models import ApiToken

logger = logging.getLogger(__name__)


def _server_key() -> bytes:
    # Key separation: tokens get their own key derived from the secret key, never the raw key.
    return hmac.new(settings.SECRET_KEY.encode(), b"stockade.tokens.v1", hashlib.sha256).digest()


def _location() -> str:
    return settings.BASE_URL or "stockade"


def issue_token(
    *,
    actor: Actor,
    user: User,
    name: str,
    projects: Iterable[str] = (),
    expires: datetime | None = None,
    not_before: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return its row and its secret string (shown once, never
    stored). Records ``token:create`` with the token's projects and expiry.

    Args:
        actor: who creates it: the user themselves, or the operator (``stockade token create``).
        projects: limit the token to these projects (any spelling; stored normalized).
            Empty means every project the user may upload to, including new ones.
    """
    normalized = sorted({canonicalize_name(p) for p in projects})
    token = ApiToken(
        user=user,
        name=name,
        key_salt=secrets.token_hex(32),
        projects=normalized,
        expires=expires,
        not_before=not_before,
    )
    caveats: list[dict] = [{"user_id": user.pk}]
    if normalized:
        caveats.append({"projects": normalized})
    if not_before is not None:
        caveats.append({"nbf": int(not_before.timestamp())})
    if expires is not None:
        caveats.append({"exp": int(expires.timestamp())})
    with transaction.atomic():
        token.save()
        details: dict[str, JsonValue] = {
            "projects": list(normalized),
            "expires": expires.isoformat() if expires is not None else None,
        }
        record_event(tag=Tag.TOKEN_CREATE, actor=actor, subject=token, details=details)
    root_key = macaroons.derive_root_key(_server_key(), str(token.id), token.key_salt)
    secret = macaroons.mint(
        location=_location(), token_id=str(token.id), root_key=root_key, caveats=caveats
    )
    return token, secret


def authenticate_token(raw: str, *, now: datetime | None = None) -> ApiToken:
    """Return the live token for ``raw`` after checking its signature, revocation and time.

    Project scope is checked separately by ``check_token_scope``, once the project is known.

    Raises:
        TokenInvalidError, TokenRevokedError, TokenExpiredError, TokenNotYetValidError.
    """
    now = now or timezone.now()
    try:
        macaroon, identifier, caveats = macaroons.parse(raw.strip())
    except macaroons.MacaroonFormatError as e:
        raise TokenInvalidError(str(e)) from e
    token = _find_token(identifier)
    if token is None:
        raise TokenInvalidError()
    root_key = macaroons.derive_root_key(_server_key(), str(token.id), token.key_salt)
    if not macaroons.has_valid_signature(macaroon, root_key):
        raise TokenInvalidError()
    if token.revoked is not None:
        raise TokenRevokedError()
    if caveats.user_ids and caveats.user_ids != {token.user_id}:
        raise TokenInvalidError("it names another user")
    if caveats.expires is not None and now.timestamp() >= caveats.expires:
        raise TokenExpiredError(datetime.fromtimestamp(caveats.expires, tz=UTC))
    if caveats.not_before is not None and now.timestamp() < caveats.not_before:
        raise TokenNotYetValidError(datetime.fromtimestamp(caveats.not_before, tz=UTC))
    token.caveats = caveats  # type: ignore[attr-defined]  # scope checked per project later
    return token


def check_token_scope(token: ApiToken, project_name: str) -> None:
    """Raise TokenScopeError unless ``token`` may act on ``project_name``."""
    caveats: macaroons.Caveats | None = getattr(token, "caveats", None)
    allowed = caveats.allowed_projects() if caveats is not None else None
    if allowed is None and token.projects:
        allowed = frozenset(token.projects)
    if allowed is not None and canonicalize_name(project_name) not in allowed:
        raise TokenScopeError(project_name, sorted(allowed))


def record_token_use(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())


def _find_token(identifier: str) -> ApiToken | None:
    try:
        token_id = uuid.UUID(identifier)
    except ValueError:
        return None
    return ApiToken.objects.select_related("user").filter(pk=token_id).first()


def create_token_for_user(
    *, actor: Actor, name: str, projects: Iterable[str] = (), expires: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for the actor, limited to projects the actor owns or maintains.

    Returns:
        The token's row and its secret string, to be shown once.

    Raises:
        TokenProjectNotAllowedError: a named project is not one of the actor's.
    """
    user = actor.require_user()
    wanted = {canonicalize_name(p) for p in projects}
    own = set(
        Role.objects.filter(user=user, project__normalized_name__in=wanted).values_list(
            "project__normalized_name", flat=True
        )
    )
    if wanted - own:
        raise TokenProjectNotAllowedError(sorted(wanted - own))
    token, secret = issue_token(actor=actor, user=user, name=name, projects=wanted, expires=expires)
    logger.info("Issued token %s for user %s", token.pk, user.pk)
    return token, secret


def list_tokens(*, user: User) -> list[ApiToken]:
    """Return the user's tokens that are not revoked, newest first."""
    return list(ApiToken.objects.filter(user=user, revoked__isnull=True))


def get_own_token(*, user: User, token_id: uuid.UUID) -> ApiToken:
    """Return one of the user's unrevoked tokens. Raises TokenNotFoundError."""
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked__isnull=True).first()
    if token is None:
        raise TokenNotFoundError()
    return token


def revoke_token(*, actor: Actor, token: ApiToken) -> bool:
    """Revoke ``token`` and record ``token:revoke``; return False if it was already revoked.

    The operator's way to revoke any token; people revoke their own with ``revoke_own_token``.
    """
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(
            revoked=timezone.now()
        )
        if updated:
            record_event(tag=Tag.TOKEN_REVOKE, actor=actor, subject=token)
    return bool(updated)


def revoke_own_token(*, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    """Revoke one of the actor's tokens and record ``token:revoke``; other people's tokens are
    not found.

    Raises:
        TokenNotFoundError.
    """
    user = actor.require_user()
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(pk=token_id, user=user, revoked__isnull=True)
            .first()
        )
        if token is None:
            raise TokenNotFoundError()
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        record_event(tag=Tag.TOKEN_REVOKE, actor=actor, subject=token)
    logger.info("User %s revoked token %s", user.pk, token_id)
    return token


def find_issued_token(raw: str) -> ApiToken | None:
    """Return the row of a token this index issued, whatever its state, or None.

    Only the signature is checked (not revocation, expiry or scope), so a leaked token is found
    even when it no longer works, and a forged or altered string is never matched to a row.
    """
    try:
        macaroon, identifier, _caveats = macaroons.parse(raw.strip())
    except macaroons.MacaroonFormatError:
        return None
    token = _find_token(identifier)
    if token is None:
        return None
    root_key = macaroons.derive_root_key(_server_key(), str(token.id), token.key_salt)
    if not macaroons.has_valid_signature(macaroon, root_key):
        return None
    return token


DisclosureStatus = Literal["revoked", "already_revoked", "not_found"]


@dataclass(frozen=True)
class DisclosureResult:
    report: TokenReport
    status: DisclosureStatus


def revoke_disclosed_tokens(
    *, actor: Actor, reporter: str, reports: list[TokenReport]
) -> list[DisclosureResult]:
    """Revoke every reported token this index issued, record ``token:revoke-leaked`` for each,
    and email each token's owner.

    Args:
        actor: Stockade itself (``system_actor()``), acting on the report.
        reporter: the verified name of the secret-scanning service that reported the tokens.

    Returns:
        One result per report, in order; strings that are not live tokens of this index are
        ``not_found`` and change nothing.
    """
    return [_revoke_disclosed_token(actor, reporter, report) for report in reports]


def _revoke_disclosed_token(actor: Actor, reporter: str, report: TokenReport) -> DisclosureResult:
    token = find_issued_token(report.token)
    if token is None:
        return DisclosureResult(report, "not_found")
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(
            revoked=timezone.now()
        )
        if not updated:
            return DisclosureResult(report, "already_revoked")
        record_event(
            tag=Tag.TOKEN_REVOKE_LEAKED,
            actor=actor,
            subject=token,
            details={"source": reporter, "url": report.url, "found_in": report.source},
        )
        addresses = list(
            token.user.emails.filter(primary=True, verified=True).values_list("email", flat=True)
        )
        context = {
            "username": token.user.username,
            "token_name": token.name,
            "reporter": reporter,
            "url": report.url,
            "source": report.source,
        }
        transaction.on_commit(
            lambda: send_templated_email(
                to=addresses, template="tokens/emails/token_leaked", context=context
            )
        )
    logger.warning("Revoked leaked token %s reported by %s", token.pk, reporter)
    return DisclosureResult(report, "revoked")
