"""Account services: users, logging in and out, passwords, and email addresses.

Each security-relevant action (sign-up, login success and failure, logout, password change and
reset, adding, verifying, removing an address and making it primary) is exactly one function
here, which records its audit event in the transaction that makes the change. Services take the
audit ``actor`` and plain values, never an ``HttpRequest``; links in emails are built from the
``base_url`` the caller passes.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Literal

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_variables

from stockade.accounts import verification
from stockade.accounts.exceptions import (
    EmailInUseError,
    EmailNotFoundError,
    InvalidCredentialsError,
    InvalidPasswordError,
    PrimaryEmailRemovalError,
    UnverifiedEmailError,
    UserExistsError,
    UserNotFoundError,
)
from stockade.accounts.models import Email, User
from stockade.audit.services import Actor, Subject, Tag, record_event
from stockade.mail import send_templated_email

logger = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    """Return ``email`` trimmed, with its domain in lower case (the local part is kept)."""
    return BaseUserManager.normalize_email(email.strip())


LoginFailure = Literal["bad-password", "unknown-user", "inactive", "rate-limited"]


@sensitive_variables("password")
def create_user(
    *,
    actor: Actor,
    username: str,
    email: str,
    password: str | None,
    is_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """Create a user with ``email`` as its primary address, as an administrator does.

    Records ``admin:user-create``.

    Args:
        actor: the operator (``stockade user create``) or a staff member.
        password: checked against the password validators; ``None`` makes an account that cannot
            log in with a password (it can still own tokens).
        email_verified: set when the operator vouches for the address (``stockade user create``).

    Raises:
        UserExistsError, EmailInUseError, InvalidPasswordError.
    """
    with transaction.atomic():
        user = _create_account(
            username=username,
            email=email,
            password=password,
            is_admin=is_admin,
            email_verified=email_verified,
        )
        record_event(
            tag=Tag.ADMIN_USER_CREATE, actor=actor, subject=user, details={"admin": is_admin}
        )
    return user


@sensitive_variables("password")
def _create_account(
    *,
    username: str,
    email: str,
    password: str | None,
    is_admin: bool,
    email_verified: bool,
) -> User:
    """Create the user and its primary address (the caller records the event)."""
    email = normalize_email(email)
    user = User(username=username, email=email, is_staff=is_admin, is_superuser=is_admin)
    if password is not None:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username__iexact=username).exists():
        raise UserExistsError(username)
    if is_email_taken(email):
        raise EmailInUseError(email)
    try:
        with transaction.atomic():
            user.save()
            Email.objects.create(user=user, email=email, primary=True, verified=email_verified)
    except IntegrityError as e:
        # A concurrent create won the race for the name or the address.
        if is_email_taken(email):
            raise EmailInUseError(email) from e
        raise UserExistsError(username) from e
    return user


def get_user(username: str) -> User:
    """Return the user by name (case-insensitive). Raises UserNotFoundError."""
    try:
        return User.objects.get(username__iexact=username)
    except User.DoesNotExist as e:
        raise UserNotFoundError(username) from e


def is_email_taken(email: str) -> bool:
    """Return whether any account holds ``email`` (verified or not, compared without case)."""
    return Email.objects.filter(email__iexact=email.strip()).exists()


# Sign-up and logging in.


@sensitive_variables("password")
def register_user(*, actor: Actor, username: str, email: str, password: str, base_url: str) -> User:
    """Sign up a new user, record ``account:signup`` and mail a verification link.

    Args:
        actor: the visitor signing up; the event names the new account as its actor.

    Raises:
        UserExistsError, EmailInUseError, InvalidPasswordError.
    """
    with transaction.atomic():
        user = _create_account(
            username=username,
            email=email,
            password=password,
            is_admin=False,
            email_verified=False,
        )
        record_event(tag=Tag.ACCOUNT_SIGNUP, actor=_as_account(actor, user), subject=user)
    logger.info("User %s signed up", user.pk)
    send_verification_email(email=user.emails.get(primary=True), base_url=base_url)
    return user


@sensitive_variables("password")
def authenticate_user(*, actor: Actor, username: str, password: str) -> User:
    """Return the active user whose name (any case) and password match.

    A failure records ``account:login-failed`` with its reason (``unknown-user``,
    ``bad-password`` or ``inactive``); the log tells them apart, the answer does not.

    Args:
        actor: the visitor trying to log in.

    Raises:
        InvalidCredentialsError: no such user, a wrong password, or an inactive account (not
            told apart, so the answer does not reveal which names exist).
    """
    known = User.objects.filter(username__iexact=username).only("username", "is_active").first()
    user = authenticate(None, username=known.username if known else username, password=password)
    if not isinstance(user, User):
        reason: LoginFailure = "unknown-user"
        if known is not None:
            reason = "bad-password" if known.is_active else "inactive"
        record_failed_login(actor=actor, username=username, reason=reason)
        raise InvalidCredentialsError
    return user


def record_failed_login(*, actor: Actor, username: str, reason: LoginFailure) -> None:
    """Record ``account:login-failed`` for an attempt to log in as ``username``.

    The subject is the account when the name exists (so the attempt shows in its history), else
    the name as typed.
    """
    known = User.objects.filter(username__iexact=username).first()
    subject = known if known is not None else Subject("user", "", username[:150])
    record_event(
        tag=Tag.ACCOUNT_LOGIN_FAILED, actor=actor, subject=subject, details={"reason": reason}
    )
    logger.info("Login failed for user %s (%s)", known.pk if known else "(unknown)", reason)


def record_login(*, actor: Actor) -> None:
    """Record ``account:login`` for the actor, whose session the view has just started."""
    user = actor.require_user()
    record_event(tag=Tag.ACCOUNT_LOGIN, actor=actor, subject=user)
    logger.info("User %s logged in", user.pk)


def record_logout(*, actor: Actor) -> None:
    """Record ``account:logout`` for the actor, whose session the view is about to end."""
    user = actor.require_user()
    record_event(tag=Tag.ACCOUNT_LOGOUT, actor=actor, subject=user)
    logger.info("User %s logged out", user.pk)


def _as_account(actor: Actor, user: User) -> Actor:
    """Return ``actor`` naming ``user``: a visitor who has just proved to be that account."""
    return actor if actor.user is not None else dataclasses.replace(actor, user=user)


# Passwords.


@sensitive_variables("password")
def change_password(*, actor: Actor, password: str) -> None:
    """Set a new password chosen by the logged-in actor; record ``account:password-change``.

    Every other session of the user ends, since sessions are bound to the password hash.

    Raises:
        InvalidPasswordError.
    """
    user = actor.require_user()
    with transaction.atomic():
        _set_password(user, password)
        record_event(tag=Tag.ACCOUNT_PASSWORD_CHANGE, actor=actor, subject=user)
    logger.info("User %s changed their password", user.pk)


def request_password_reset(*, email: str, base_url: str) -> bool:
    """Mail a password-reset link to ``email`` if it may reset an account's password.

    An address may when it belongs to an active user with a password and is verified or primary.
    The caller shows the same answer either way, so the form does not reveal which addresses
    exist. Returns whether a message was sent.
    """
    address = (
        Email.objects.select_related("user")
        .filter(email__iexact=email.strip(), user__is_active=True)
        .first()
    )
    if address is None or not (address.verified or address.primary):
        return False
    user = address.user
    if not user.has_usable_password():
        return False
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    logger.info("Password reset requested for user %s", user.pk)
    return send_templated_email(
        to=[address.email],
        template="accounts/emails/password_reset",
        context={"user": user, "reset_url": base_url + path},
    )


@sensitive_variables("password")
def reset_password(*, actor: Actor, user: User, password: str) -> None:
    """Set a new password for ``user``, who proved control of an address with a reset link.

    Records ``account:password-reset``. The link stops working at once: the reset token is
    bound to the password hash.

    Args:
        actor: the visitor holding the link.

    Raises:
        InvalidPasswordError.
    """
    with transaction.atomic():
        _set_password(user, password)
        record_event(tag=Tag.ACCOUNT_PASSWORD_RESET, actor=actor, subject=user)
    logger.info("User %s reset their password", user.pk)


@sensitive_variables("password")
def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        raise InvalidPasswordError(list(e.messages)) from e


@sensitive_variables("password")
def _set_password(user: User, password: str) -> None:
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


# Email addresses.


def add_email(*, actor: Actor, email: str, base_url: str) -> Email:
    """Add an unverified address to the actor's account, record ``account:email-add`` and mail
    the address a verification link.

    Raises:
        EmailInUseError: any account, this one included, already has the address.
    """
    user = actor.require_user()
    email = normalize_email(email)
    if is_email_taken(email):
        raise EmailInUseError(email)
    try:
        with transaction.atomic():
            address = Email.objects.create(user=user, email=email)
            record_event(tag=Tag.ACCOUNT_EMAIL_ADD, actor=actor, subject=address)
    except IntegrityError as e:
        raise EmailInUseError(email) from e
    logger.info("User %s added email %s", user.pk, address.pk)
    send_verification_email(email=address, base_url=base_url)
    return address


def send_verification_email(*, email: Email, base_url: str) -> bool:
    """Mail a verification link to an unverified ``email``; return whether one was sent."""
    if email.verified:
        return False
    path = reverse("accounts:verify-email", kwargs={"token": verification.make_token(email)})
    return send_templated_email(
        to=[email.email],
        template="accounts/emails/verify",
        context={"user": email.user, "email": email.email, "verify_url": base_url + path},
    )


def resend_verification_email(*, actor: Actor, email_id: int, base_url: str) -> Email:
    """Mail a new verification link to one of the actor's unverified addresses.

    Raises:
        EmailNotFoundError.
    """
    address = _get_email(actor.require_user(), email_id)
    send_verification_email(email=address, base_url=base_url)
    return address


def verify_email(*, actor: Actor, token: str) -> Email:
    """Mark the address that ``token`` names as verified and return it.

    The first verification records ``account:email-verify``; following the link again does not.

    Args:
        actor: whoever followed the link (logged in or not).

    Raises:
        VerificationLinkExpiredError, VerificationLinkInvalidError.
    """
    address = verification.check_token(token)
    with transaction.atomic():
        if Email.objects.filter(pk=address.pk, verified=False).update(verified=True):
            record_event(tag=Tag.ACCOUNT_EMAIL_VERIFY, actor=actor, subject=address)
            logger.info("User %s verified email %s", address.user_id, address.pk)
    address.verified = True
    return address


def remove_email(*, actor: Actor, email_id: int) -> None:
    """Remove one of the actor's addresses other than the primary one; record
    ``account:email-remove``.

    Raises:
        EmailNotFoundError, PrimaryEmailRemovalError.
    """
    user = actor.require_user()
    address = _get_email(user, email_id)
    if address.primary:
        raise PrimaryEmailRemovalError(address.email)
    with transaction.atomic():
        record_event(tag=Tag.ACCOUNT_EMAIL_REMOVE, actor=actor, subject=address)
        # The condition guards against a concurrent make-primary of this same address.
        deleted, _ = Email.objects.filter(pk=address.pk, primary=False).delete()
        if not deleted:
            raise PrimaryEmailRemovalError(address.email)
    logger.info("User %s removed email %s", user.pk, address.pk)


def set_primary_email(*, actor: Actor, email_id: int) -> Email:
    """Make one of the actor's verified addresses the primary one, and ``User.email``; record
    ``account:email-primary`` when it changes.

    Raises:
        EmailNotFoundError, UnverifiedEmailError.
    """
    user = actor.require_user()
    with transaction.atomic():
        # Lock the user's addresses so two concurrent changes cannot both hold a primary.
        addresses = {e.pk: e for e in Email.objects.select_for_update().filter(user=user)}
        address = addresses.get(email_id)
        if address is None:
            raise EmailNotFoundError
        if not address.verified:
            raise UnverifiedEmailError(address.email)
        if not address.primary:
            # Clear the old primary first: the database allows one primary per user.
            Email.objects.filter(user=user, primary=True).update(primary=False)
            Email.objects.filter(pk=address.pk).update(primary=True)
            address.primary = True
            user.email = address.email
            user.save(update_fields=["email"])
            record_event(tag=Tag.ACCOUNT_EMAIL_PRIMARY, actor=actor, subject=address)
            logger.info("User %s made email %s primary", user.pk, address.pk)
    return address


def _get_email(user: User, email_id: int) -> Email:
    try:
        return Email.objects.get(user=user, pk=email_id)
    except Email.DoesNotExist as e:
        raise EmailNotFoundError from e
