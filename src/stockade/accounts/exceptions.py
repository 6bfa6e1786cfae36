"""Errors raised by account services; each carries a message fit to show the user."""


class AccountError(Exception):
    """Base class for account errors."""


class UserExistsError(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"A user named {username!r} already exists.")
        self.username = username


class EmailInUseError(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(f"The address {email} is already used by another account.")
        self.email = email


class UserNotFoundError(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}.")
        self.username = username


class InvalidPasswordError(AccountError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages
