"""Who did something, by what means, from where: the ``Actor`` every audit event names.

Actors are built at the edge (a view, the upload endpoint, a command) with the helpers below and
passed down to services, which never see the ``HttpRequest``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from stockade.clientip import client_ip, normalize_ip

__all__ = [
    "Actor",
    "Means",
    "TokenRef",
    "actor_for_cli",
    "actor_for_token",
    "actor_from_request",
    "anonymous_actor",
    "client_ip",
    "normalize_ip",
    "system_actor",
]

if TYPE_CHECKING:
    from django.http import HttpRequest

    from stockade.accounts.models import User
    from stockade.tokens.models import ApiToken

_MAX_USER_AGENT = 512


class Means(models.TextChoices):
    SESSION = "session", _("browser session")
    TOKEN = "token", _("API token")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("Stockade itself")
    ANONYMOUS = "anonymous", _("not logged in")


@dataclass(frozen=True)
class TokenRef:
    """The token an actor used, by id and by the name it had at the time."""

    id: str
    name: str


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (None for the operator or the system), a token, and the client.

    ``label`` names the actor when there is no user (the operator's login name on the command
    line, ``stockade`` for the system).
    """

    means: Means
    user: User | None = None
    token: TokenRef | None = None
    ip: str | None = None
    user_agent: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.means == Means.TOKEN and (self.token is None or self.user is None):
            raise ValueError("a token actor needs its token and its user")
        if self.means == Means.SESSION and self.user is None:
            raise ValueError("a session actor needs its user; use Means.ANONYMOUS")
        if self.ip is not None:
            object.__setattr__(self, "ip", normalize_ip(self.ip))
        object.__setattr__(
            self, "user_agent", self.user_agent.replace("\x00", "")[:_MAX_USER_AGENT]
        )

    def require_user(self) -> User:
        """Return the acting user, for actions people take on their own account or behalf.

        Raises:
            ValueError: the actor has no user (the operator, Stockade, a visitor). The edge
                passes only logged-in actors to such services, so this is a programming error.
        """
        if self.user is None:
            raise ValueError(f"a {self.means} actor has no account to act on")
        return self.user

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return self.label


def _user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:_MAX_USER_AGENT]


def actor_from_request(request: HttpRequest) -> Actor:
    """Return the actor of a browser request: the logged-in user, or an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(
            Means.SESSION, user=user, ip=client_ip(request), user_agent=_user_agent(request)
        )
    return Actor(Means.ANONYMOUS, ip=client_ip(request), user_agent=_user_agent(request))


def anonymous_actor(request: HttpRequest) -> Actor:
    """Return the visitor behind ``request`` as not logged in, whatever its session says.

    For endpoints that do not use sessions, such as the upload API refusing a bad token.
    """
    return Actor(Means.ANONYMOUS, ip=client_ip(request), user_agent=_user_agent(request))


def actor_for_token(
    token: ApiToken,
    request: HttpRequest | None = None,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Actor:
    """Return the actor of a request authenticated by ``token``.

    ``ip`` and ``user_agent`` override what ``request`` says (or stand in for it).
    """
    return Actor(
        Means.TOKEN,
        user=token.user,
        token=TokenRef(id=str(token.pk), name=token.name),
        ip=ip if ip is not None else (client_ip(request) if request is not None else None),
        user_agent=user_agent if user_agent is not None else _user_agent(request),
    )


def actor_for_cli(user: User | None = None) -> Actor:
    """Return the operator at the command line, optionally acting as ``user``."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "operator"
    return Actor(Means.CLI, user=user, label=login)


def system_actor() -> Actor:
    """Return Stockade itself, for periodic and automatic work."""
    return Actor(Means.SYSTEM, label="stockade")
