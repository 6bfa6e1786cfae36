"""Storage backends that never expose a half-written object.

Django's ``FileSystemStorage`` writes in place and renames on a name clash. Stockade needs the
opposite: paths are content-addressed (a rewrite is the same bytes) and simple pages are replaced
as a whole, so a reader sees either the old page or the new one, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    """Local directory storage that writes through a temporary file and ``os.replace``."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # overwrite: callers choose content-addressed or whole-page names

    def _save(self, name: str, content: File) -> str:
        full_path = Path(self.path(name))
        full_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=full_path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        handle.write(chunk)
                else:
                    handle.write(content.read())
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, self.file_permissions_mode or 0o644)
            os.replace(tmp_name, full_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return name
