"""QR codes for enrolment, drawn locally as SVG (the secret never leaves the server)."""

from __future__ import annotations

import segno


def svg_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG ``data:`` URI, fit for an ``<img src>``.

    A data URI keeps the page free of inline markup that a Content-Security-Policy would have
    to allow, and nothing is written to disk.
    """
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)
