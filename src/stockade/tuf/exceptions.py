"""Errors of the TUF repository, each with a message fit to show an operator."""

from __future__ import annotations


class TufError(Exception):
    """Base class of the TUF app's errors."""


class RepositoryNotInitializedError(TufError):
    def __init__(self) -> None:
        super().__init__(
            "The TUF repository is not initialized: run `stockade tuf ceremony` "
            "(or `stockade serve`, which creates a development root)."
        )


class RepositoryAlreadyInitializedError(TufError):
    def __init__(self) -> None:
        super().__init__("The TUF repository is already initialized.")


class MissingOfflineKeysError(TufError):
    def __init__(self, role: str, needed: int, found: int, where: str) -> None:
        self.role = role
        super().__init__(f"Signing {role} needs {needed} of its keys; found {found} in {where}.")


class TamperedStorageError(TufError):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path} in storage is not the page that was rendered: storage was written by "
            "something other than Stockade. The project keeps its previous signed targets."
        )
