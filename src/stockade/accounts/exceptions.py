"""Errors raised by account services; each carries a message fit to show the user.

Messages are translated when the error is raised, in the language of the request being served.
"""

from django.utils.translation import gettext


class AccountError(Exception):
    """Base class for account errors."""


class UserExistsError(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(gettext("The user name %(name)s is taken.") % {"name": username})
        self.username = username


class EmailInUseError(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("The address %(email)s is already used by an account.") % {"email": email}
        )
        self.email = email


class UserNotFoundError(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(gettext("No user named %(name)s.") % {"name": username})
        self.username = username


class InvalidPasswordError(AccountError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


class InvalidCredentialsError(AccountError):
    def __init__(self) -> None:
        super().__init__(gettext("The user name or password is not right."))


class EmailNotFoundError(AccountError):
    """The address does not exist or belongs to someone else (the two are not told apart)."""

    def __init__(self) -> None:
        super().__init__(gettext("No such email address on your account."))


class PrimaryEmailRemovalError(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext(
                "%(email)s is your primary address. Make another address primary before "
                "removing it."
            )
            % {"email": email}
        )
        self.email = email


class UnverifiedEmailError(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(
            gettext("%(email)s is not verified yet. Verify it before making it primary.")
            % {"email": email}
        )
        self.email = email


class VerificationLinkError(AccountError):
    """Base class for links that cannot verify an address."""


class VerificationLinkInvalidError(VerificationLinkError):
    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This verification link is not valid. Copy the whole link from the email, or "
                "send a new one from your account settings."
            )
        )


class VerificationLinkExpiredError(VerificationLinkError):
    def __init__(self) -> None:
        super().__init__(
            gettext(
                "This verification link has expired. Send a new one from your account settings."
            )
        )
