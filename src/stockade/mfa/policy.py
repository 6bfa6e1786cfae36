"""Who must have a second factor, and for what (``STOCKADE_REQUIRE_2FA``).

* ``off``: nobody has to (a project's owners may still require it of their project's members).
* ``publish`` (the default): a token's owner needs a second factor for an upload to succeed.
* ``all``: as ``publish``, and the web pages beyond enrolling a factor need one too.

A project whose owners ask for it requires a second factor of every member who uploads to it,
under every setting.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from stockade.mfa.models import ProjectMfaPolicy, TotpDevice, WebAuthnCredential

Policy = Literal["off", "publish", "all"]
POLICIES: tuple[Policy, ...] = ("off", "publish", "all")


def parse_policy(value: str) -> Policy:
    """Return ``value`` as a policy; only ``off``, ``publish`` and ``all`` are understood.

    Raises:
        ImproperlyConfigured: any other value.
    """
    for policy in POLICIES:
        if value == policy:
            return policy
    raise ImproperlyConfigured(
        f"STOCKADE_REQUIRE_2FA must be one of off, publish or all, not {value!r}"
    )


def current_policy() -> Policy:
    return parse_policy(getattr(settings, "STOCKADE_REQUIRE_2FA", "publish"))


def has_second_factor(user_id: int) -> bool:
    """Return whether the user can pass a second step (an app or a security key)."""
    return (
        TotpDevice.objects.filter(user_id=user_id).exists()
        or WebAuthnCredential.objects.filter(user_id=user_id).exists()
    )


def project_requires_members(project_id: int | None) -> bool:
    if project_id is None:
        return False
    return ProjectMfaPolicy.objects.filter(project_id=project_id, require_members=True).exists()


def enrolment_url() -> str:
    """Return where to add a factor: absolute when ``STOCKADE_BASE_URL`` is set."""
    return f"{settings.BASE_URL}{reverse('mfa:settings')}"


def upload_refusal(
    *, user_id: int, username: str, project_id: int | None, project_name: str
) -> str:
    """Return why the user may not upload for lack of a second factor, or ``""`` if they may.

    Args:
        project_id: the existing project, or None for an upload that creates one.
    """
    if has_second_factor(user_id):
        return ""
    if current_policy() != "off":
        return (
            f"Uploading needs two-factor authentication: the account {username!r} has no "
            f"second factor. Log in and add an authenticator app or a security key at "
            f"{enrolment_url()}, then upload again."
        )
    if project_requires_members(project_id):
        return (
            f"The owners of {project_name!r} require two-factor authentication of every "
            f"member: add an authenticator app or a security key to the account {username!r} "
            f"at {enrolment_url()}, then upload again."
        )
    return ""


def web_requires_factor() -> bool:
    """Return whether logged-in users without a factor are sent to enrol (policy ``all``)."""
    return current_policy() == "all"
