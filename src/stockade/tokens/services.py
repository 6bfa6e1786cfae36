"""Issue, verify and revoke API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from packaging.utils import canonicalize_name

from stockade.accounts.models import User
from stockade.tokens import macaroons
from stockade.tokens.exceptions import (
    TokenExpiredError,
    TokenInvalidError,
    TokenNotYetValidError,
    TokenRevokedError,
    TokenScopeError,
)
from stockade.tokens.models import ApiToken


def _server_key() -> bytes:
    # Key separation: tokens get their own key derived from the secret key, never the raw key.
    return hmac.new(settings.SECRET_KEY.encode(), b"stockade.tokens.v1", hashlib.sha256).digest()


def _location() -> str:
    return settings.BASE_URL or "stockade"


def issue_token(
    *,
    user: User,
    name: str,
    projects: Iterable[str] = (),
    expires: datetime | None = None,
    not_before: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return its row and its secret string (shown once, never stored).

    Args:
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


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())


def _find_token(identifier: str) -> ApiToken | None:
    try:
        token_id = uuid.UUID(identifier)
    except ValueError:
        return None
    return ApiToken.objects.select_related("user").filter(pk=token_id).first()
