"""PEP 691 content negotiation: choose HTML or JSON for a simple-API request.

Pure and dependency-free, because it runs on the read path for every request.
"""

from __future__ import annotations

import math
from typing import Literal

Format = Literal["html", "json"]

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

# Media type -> (format, Content-Type to answer with). Order is the server's preference on ties.
_OFFERS: dict[str, tuple[Format, str]] = {
    JSON_V1: ("json", JSON_V1),
    "application/vnd.pypi.simple.latest+json": ("json", JSON_V1),
    HTML_V1: ("html", HTML_V1),
    "application/vnd.pypi.simple.latest+html": ("html", HTML_V1),
    TEXT_HTML: ("html", "text/html; charset=utf-8"),
}
_DEFAULT: tuple[Format, str] = ("html", "text/html; charset=utf-8")


def choose_format(accept: str | None, format_param: str | None = None) -> tuple[Format, str] | None:
    """Return (format, Content-Type) for the request, or None when nothing acceptable is offered.

    ``format_param`` is the ``?format=`` query value, which overrides ``Accept`` (PEP 691).
    """
    if format_param:
        return _OFFERS.get(format_param.strip().lower())
    if not accept or not accept.strip():
        return _DEFAULT
    best: tuple[float, int, tuple[Format, str]] | None = None
    for rank, (media, quality) in enumerate(_parse_accept(accept)):
        if quality <= 0:
            continue
        offer = _match(media)
        if offer is None:
            continue
        # Higher quality wins; on a tie, the type the client listed first.
        key = (quality, -rank, offer)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def _match(media: str) -> tuple[Format, str] | None:
    if media in _OFFERS:
        return _OFFERS[media]
    if media in {"*/*", "text/*"}:
        return _DEFAULT
    if media == "application/*":
        return _OFFERS[JSON_V1]
    return None


def _parse_accept(header: str) -> list[tuple[str, float]]:
    items = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                # "nan" and "inf" parse as floats but are no quality; NaN would also defeat
                # the comparison that picks the best offer.
                quality = min(max(quality, 0.0), 1.0) if math.isfinite(quality) else 0.0
        items.append((media, quality))
    return items
