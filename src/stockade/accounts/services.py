"""Account services: creating users and looking them up."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from stockade.accounts.exceptions import (
    EmailInUseError,
    InvalidPasswordError,
    UserExistsError,
    UserNotFoundError,
)
from stockade.accounts.models import Email, User


def create_user(
    *,
    username: str,
    email: str,
    password: str | None,
    is_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """Create a user with ``email`` as its primary address.

    Args:
        password: checked against the password validators; ``None`` makes an account that cannot
            log in with a password (it can still own tokens).
        email_verified: set when the operator vouches for the address (``stockade user create``).

    Raises:
        UserExistsError, EmailInUseError, InvalidPasswordError.
    """
    user = User(username=username, email=email, is_staff=is_admin, is_superuser=is_admin)
    if password is not None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as e:
            raise InvalidPasswordError(list(e.messages)) from e
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username__iexact=username).exists():
        raise UserExistsError(username)
    if Email.objects.filter(email__iexact=email).exists():
        raise EmailInUseError(email)
    try:
        with transaction.atomic():
            user.save()
            Email.objects.create(user=user, email=email, primary=True, verified=email_verified)
    except IntegrityError as e:
        # A concurrent create won the race for the name or the address.
        raise UserExistsError(username) from e
    return user


def get_user(username: str) -> User:
    """Return the user by name (case-insensitive). Raises UserNotFoundError."""
    try:
        return User.objects.get(username__iexact=username)
    except User.DoesNotExist as e:
        raise UserNotFoundError(username) from e
