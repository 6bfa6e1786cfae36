"""Everything the client trusts, fetched and verified with python-tuf's ngclient.

``VerifiedIndex`` walks the index's metadata from the operator's root (never trust on first
use), refreshes it at most every ``max_age`` seconds, and hands out bytes only after they match
their signed length and hashes. Target paths are the index's storage paths: distribution files
are fetched where the index serves them (their path already holds their BLAKE2b-256 digest, so
it names one content for good), simple pages from their hash-prefixed copies under
``/tuf/targets/`` (consistent snapshots), so a page that changed since the snapshot is still
the one the snapshot names.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import urllib3
from tuf.api import exceptions
from tuf.api.metadata import TargetFile
from tuf.ngclient import Updater, UpdaterConfig
from tuf.ngclient.urllib3_fetcher import Urllib3Fetcher

from stockade_verify.errors import RefusedError, TamperedTargetError, UnsignedTargetError, classify

_CHUNK = 256 * 1024
_PAGE_CACHE_ENTRIES = 1024


def default_config() -> UpdaterConfig:
    """ngclient's limits, which bound every metadata download (endless-data attacks)."""
    return UpdaterConfig(
        root_max_length=512_000,
        timestamp_max_length=16_384,
        snapshot_max_length=4_000_000,
        targets_max_length=8_000_000,
        prefix_targets_with_hash=False,
    )


class VerifiedIndex:
    """One index, its trusted metadata, and verified downloads from it (thread-safe)."""

    def __init__(
        self,
        index_url: str,
        root: bytes,
        cache_dir: Path,
        *,
        max_age: float = 2.0,
        config: UpdaterConfig | None = None,
    ) -> None:
        self.index_url = index_url.rstrip("/")
        self.root = root
        self.root_version = json.loads(root)["signed"]["version"]
        key = hashlib.sha256(self.index_url.encode()).hexdigest()[:16]
        self.metadata_dir = cache_dir / "metadata" / key
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = cache_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._pages: dict[str, bytes] = {}  # signed sha256 -> verified page bytes
        self.max_age = max_age
        self.config = config or default_config()
        self._fetcher = Urllib3Fetcher(socket_timeout=30, app_user_agent="stockade-verify")
        self._http = urllib3.PoolManager(maxsize=16, retries=urllib3.Retry(2, redirect=False))
        self._lock = threading.RLock()
        self._updater: Updater | None = None
        self._refreshed = 0.0

    # -- metadata -------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> Updater:
        """Bring the trusted metadata up to date (at most every ``max_age`` s unless forced).

        Raises:
            RefusedError: the index served metadata that fails verification.
        """
        with self._lock:
            fresh = time.monotonic() - self._refreshed < self.max_age
            if self._updater is not None and fresh and not force:
                return self._updater
            updater = Updater(
                str(self.metadata_dir),
                f"{self.index_url}/tuf/",
                None,
                f"{self.index_url}/",
                fetcher=self._fetcher,
                config=self.config,
                bootstrap=self._bootstrap(),
            )
            try:
                updater.refresh()
            except (exceptions.RepositoryError, exceptions.DownloadError) as err:
                self._updater = None
                raise classify(err) from err
            self._updater, self._refreshed = updater, time.monotonic()
            return updater

    def _bootstrap(self) -> bytes | None:
        # The operator's root starts the chain; once a newer root was verified and cached,
        # start from that one instead of walking the whole chain again.
        cached = self.metadata_dir / "root.json"
        if cached.exists():
            try:
                if json.loads(cached.read_bytes())["signed"]["version"] >= self.root_version:
                    return None
            except (ValueError, KeyError):
                pass
        return self.root

    def target(self, path: str) -> TargetFile:
        """The signed entry for ``path``, looked up again after a refresh before giving up.

        Raises:
            UnsignedTargetError: no signed metadata names ``path``.
            RefusedError: the metadata fails verification.
        """
        for force in (False, True):
            updater = self.refresh(force=force)
            with self._lock:
                try:
                    info = updater.get_targetinfo(path)
                except (exceptions.RepositoryError, exceptions.DownloadError) as err:
                    self._updater = None
                    raise classify(err) from err
            if info is not None:
                return info
        raise UnsignedTargetError(path)

    # -- targets --------------------------------------------------------------------------

    def fetch_page(self, path: str) -> bytes:
        """Download the signed version of a simple page (``simple/NAME/index.json``…).

        Raises:
            UnsignedTargetError, TamperedTargetError, RefusedError.
        """
        info = self.target(path)
        directory, base = posixpath.split(path)
        url = f"{self.index_url}/tuf/targets/{directory}/{info.hashes['sha256']}.{base}"
        sha256 = info.hashes["sha256"]
        cached = self._pages.get(sha256)
        if cached is not None:
            return cached
        with self._download(url, info) as handle:
            body = handle.read()
        with self._lock:
            if len(self._pages) >= _PAGE_CACHE_ENTRIES:
                self._pages.pop(next(iter(self._pages)))
            self._pages[sha256] = body
        return body

    def fetch_file(self, path: str) -> IO[bytes]:
        """Download a distribution or metadata file and return it, verified, rewound.

        Raises:
            UnsignedTargetError, TamperedTargetError, RefusedError.
        """
        info = self.target(path)
        # Verified files are kept by their signed SHA-256: a file the metadata still names
        # with the same digest is served from here without asking the index again.
        cached = self.files_dir / info.hashes["sha256"]
        try:
            handle = cached.open("rb")
        except FileNotFoundError:
            pass
        else:
            if os.fstat(handle.fileno()).st_size == info.length:
                return handle
            handle.close()
        handle = self._download(f"{self.index_url}/{path}", info)
        partial = cached.with_name(f"{cached.name}.{threading.get_ident()}.part")
        with partial.open("wb") as out:
            shutil.copyfileobj(handle, out)
        os.replace(partial, cached)
        handle.seek(0)
        return handle

    def verify_local_file(self, file: Path) -> TargetFile:
        """Check a file already downloaded: its path on the index follows from its BLAKE2b-256
        digest, so the digest finds the signed entry, and the entry checks the rest.

        Raises:
            UnsignedTargetError, TamperedTargetError, RefusedError.
        """
        digest = hashlib.blake2b(digest_size=32)
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        hexdigest = digest.hexdigest()
        path = f"packages/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest[4:]}/{file.name}"
        info = self.target(path)
        with file.open("rb") as handle:
            self._verify(path, info, handle)
        return info

    def _download(self, url: str, info: TargetFile) -> IO[bytes]:
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        try:
            response = self._http.request("GET", url, preload_content=False, timeout=60)
        except urllib3.exceptions.HTTPError as err:
            spool.close()
            raise RefusedError("Index unreachable", f"{url}: {err}") from err
        try:
            if response.status != 200:
                raise RefusedError(
                    "Signed file missing", f"{url} answered {response.status} {response.reason}"
                )
            received = 0
            for chunk in response.stream(_CHUNK):
                received += len(chunk)
                if received > info.length:  # endless data: stop reading past the signed length
                    raise TamperedTargetError(info.path, f"more than {info.length} bytes")
                spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        finally:
            response.release_conn()
        spool.seek(0)
        self._verify(info.path, info, spool)
        spool.seek(0)
        return spool

    @staticmethod
    def _verify(path: str, info: TargetFile, handle: IO[bytes]) -> None:
        try:
            info.verify_length_and_hashes(handle)
        except exceptions.LengthOrHashMismatchError as err:
            handle.close()
            raise TamperedTargetError(path, str(err)) from err
