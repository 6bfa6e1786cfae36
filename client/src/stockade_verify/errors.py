"""What the client refuses, named after the attack it saw (TUF's threat model)."""

from __future__ import annotations

from tuf.api import exceptions


class RefusedError(Exception):
    """The index served something the signed metadata does not vouch for."""

    def __init__(self, attack: str, detail: str) -> None:
        self.attack = attack
        self.detail = detail
        super().__init__(f"{attack}: {detail}")


class TamperedTargetError(RefusedError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            "Tampered file",
            f"{path} does not match its signed length and hashes ({detail}); "
            "the index, a mirror or the storage behind it served other bytes",
        )


class UnsignedTargetError(RefusedError):
    def __init__(self, path: str) -> None:
        super().__init__("Unsigned file", f"{path} is not a target of the index's signed metadata")


def classify(err: Exception) -> RefusedError:
    """Turn a python-tuf error raised while updating metadata into a named refusal."""
    text = str(err)
    if isinstance(err, exceptions.ExpiredMetadataError):
        return RefusedError("Freeze attack", f"the index serves expired metadata ({text})")
    if isinstance(err, exceptions.BadVersionNumberError):
        if "must be >=" in text:
            return RefusedError(
                "Rollback attack",
                f"the index serves metadata older than what this client already trusts ({text})",
            )
        return RefusedError(
            "Mix-and-match attack",
            f"metadata files from different snapshots were served together ({text})",
        )
    if isinstance(err, exceptions.UnsignedMetadataError):
        return RefusedError(
            "Untrusted signature",
            f"metadata is not signed by the keys trusted for it ({text})",
        )
    if isinstance(err, exceptions.DownloadLengthMismatchError):
        return RefusedError(
            "Endless data attack", f"a metadata file exceeds its allowed length ({text})"
        )
    if isinstance(err, exceptions.LengthOrHashMismatchError):
        return RefusedError("Tampered metadata", text)
    if isinstance(err, exceptions.SlowRetrievalError):
        return RefusedError("Slow retrieval attack", text)
    if isinstance(err, exceptions.DownloadError):
        return RefusedError("Index unreachable", f"could not fetch signed metadata ({text})")
    if isinstance(err, exceptions.RepositoryError):
        return RefusedError("Invalid metadata", text)
    return RefusedError("Verification failed", f"{type(err).__name__}: {text}")
