"""Fit a stored README into a page. No Django here.

The HTML was rendered and sanitized at upload (``stockade.upload.descriptions``); this only
moves its headings below the page's own, so that a README's ``<h1>`` does not outrank the
project name and the page's headings stay in order.
"""

from __future__ import annotations

import re

_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>/])", re.IGNORECASE)


def demote_headings(html: str, *, levels: int = 2) -> str:
    """Return ``html`` with every heading ``levels`` lower, down to ``<h6>`` at most.

    Only tag names change, so sanitized HTML stays sanitized: the result has the same elements
    and attributes as the input.
    """

    def lower(match: re.Match[str]) -> str:
        return f"<{match[1]}h{min(int(match[2]) + levels, 6)}"

    return _HEADING_TAG.sub(lower, html)
