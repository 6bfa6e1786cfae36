"""Work out a project's TUF targets from the pages rendered for it.

A project's targets are its two simple pages (HTML and JSON) and every file the JSON page lists,
with the wheel metadata files beside them. The page digests are taken when the pages are
rendered (``record_page_copies``), so the signed set is exactly what was rendered, and bytes
written to storage by anyone else are never signed. Each page version is also kept at a hash-prefixed
path (``simple/NAME/SHA256.index.html``), so a page that a live snapshot names stays
downloadable after the project changes (consistent snapshots). Distribution files need no such
copy: their path already holds their BLAKE2b-256 digest (PEP 458, "consistent snapshots").
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
from collections.abc import Mapping

from stockade.packaging import blobs
from stockade.packaging.storage_paths import PACKAGES_PREFIX, simple_page_path
from stockade.tuf.exceptions import TamperedStorageError

logger = logging.getLogger(__name__)

#: path -> (length, hashes)
TargetSet = dict[str, tuple[int, dict[str, str]]]


def page_copy_path(path: str, sha256: str) -> str:
    """Where the page version with digest ``sha256`` is kept: ``DIR/SHA256.BASENAME``."""
    directory, base = posixpath.split(path)
    return f"{directory}/{sha256}.{base}"


def record_page_copies(pages: Mapping[str, bytes]) -> dict[str, list]:
    """Keep each rendered page at its hash-prefixed path; return path -> [length, sha256].

    Called by the process that rendered the pages, so the digests are those of the rendered
    bytes, whatever storage holds later.
    """
    recorded: dict[str, list] = {}
    for path, body in pages.items():
        sha256 = hashlib.sha256(body).hexdigest()
        copy = page_copy_path(path, sha256)
        if not blobs.exists(copy):
            blobs.put_bytes(copy, body)
        recorded[path] = [len(body), sha256]
    return recorded


def collect_project_targets(
    project: str,
    pages: Mapping[str, list] | None,
    known: Mapping[str, tuple[int, dict[str, str]]],
) -> TargetSet:
    """Return the targets of ``project`` ('' for the project list) from its rendered pages.

    ``pages`` is what ``record_page_copies`` returned (None: the project was removed, so it
    has no targets); ``known`` the targets signed before, so metadata files already measured
    are not read again.

    Raises:
        TamperedStorageError: the stored copy of the JSON page is not the page rendered.
    """
    if pages is None:
        return {}
    targets: TargetSet = {
        path: (int(length), {"sha256": sha256}) for path, (length, sha256) in pages.items()
    }
    if project:
        json_path = simple_page_path(project, json=True)
        _length, sha256 = pages[json_path]
        body = blobs.read_bytes(page_copy_path(json_path, sha256))
        if hashlib.sha256(body).hexdigest() != sha256:
            raise TamperedStorageError(page_copy_path(json_path, sha256))
        targets.update(_file_targets(json_path, body, known))
    return targets


def _file_targets(
    json_path: str, body: bytes, known: Mapping[str, tuple[int, dict[str, str]]]
) -> TargetSet:
    page_dir = posixpath.dirname(json_path)
    targets: TargetSet = {}
    for entry in json.loads(body).get("files", []):
        path = posixpath.normpath(posixpath.join(page_dir, entry["url"].split("#", 1)[0]))
        parts = path.split("/")
        if parts[0] != PACKAGES_PREFIX or len(parts) != 5:
            logger.warning("Page links outside package storage: %s", path)
            continue
        hashes = {"sha256": entry["hashes"]["sha256"], "blake2b-256": "".join(parts[1:4])}
        targets[path] = (int(entry["size"]), hashes)
        core = entry.get("core-metadata")
        if isinstance(core, dict) and "sha256" in core:
            metadata = f"{path}.metadata"
            previous = known.get(metadata)
            if previous is not None and previous[1].get("sha256") == core["sha256"]:
                targets[metadata] = previous
            else:
                length = len(blobs.read_bytes(metadata))
                targets[metadata] = (length, {"sha256": core["sha256"]})
    return targets
