"""The publisher lock: one publisher at a time, across processes and machines.

On PostgreSQL a session-level advisory lock (``pg_try_advisory_lock``) covers every machine that
shares the database; SQLite is one machine, so an exclusive ``flock`` on a file in the data
directory does. Both are released if the process dies. The lock is *tried*, never waited for:
a publisher that finds it taken leaves its change to the holder, which checks for new pending
changes after it releases (``services.publish_pending``).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from stockade.tuf.keys import tuf_dir

# Any fixed 64-bit number; "STOCKTUF" in ASCII.
_ADVISORY_KEY = 0x53544F434B545546


@contextmanager
def publisher_lock() -> Iterator[bool]:
    """Try to take the publisher lock; yield whether it was taken."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_ADVISORY_KEY])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_KEY])
        return
    path = tuf_dir() / "publisher.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
