"""Run the TUF publisher and kill this process at a chosen point (for the crash test).

``python crashing_publisher.py N`` dies (``os._exit``, like SIGKILL: nothing is cleaned up)
just before the N-th storage write of the publisher, or ``commit`` after the timestamp is written
but before the database records it. Prints ``completed`` when it got through.
"""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stockade.settings")
django.setup()

from stockade.packaging import blobs  # noqa: E402
from stockade.tuf import services  # noqa: E402

point = sys.argv[1]
writes = 0
real_put_bytes = blobs.put_bytes


def put_bytes(path: str, data: bytes) -> None:
    global writes
    if point != "commit" and writes == int(point):
        os._exit(9)
    writes += 1
    real_put_bytes(path, data)


def record_expiries(expiries) -> None:
    os._exit(9)


blobs.put_bytes = put_bytes
if point == "commit":
    services._record_expiries = record_expiries
services.publish_pending()
print("completed", flush=True)
