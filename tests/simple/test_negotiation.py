"""PEP 691 content negotiation: which format a simple-API request gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.simple.negotiation import HTML_V1, JSON_V1, choose_format

HTML = ("html", "text/html; charset=utf-8")
HTML_V1_PAIR = ("html", HTML_V1)
JSON = ("json", JSON_V1)

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
UV_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("   ", HTML),
        (JSON_V1, JSON),
        ("application/vnd.pypi.simple.latest+json", JSON),
        (HTML_V1, HTML_V1_PAIR),
        ("application/vnd.pypi.simple.latest+html", HTML_V1_PAIR),
        ("text/html", HTML),
        ("TEXT/HTML", HTML),
        ("Application/VND.PyPI.Simple.V1+JSON", JSON),
        (PIP_ACCEPT, JSON),
        (UV_ACCEPT, JSON),
        ("*/*", HTML),
        ("text/*", HTML),
        ("application/*", JSON),
        ("text/html; charset=utf-8", HTML),
        (" text/html ; q=0.5 ", HTML),
    ],
)
def test_choose_format_picks_offer_for_accept_header(accept, expected):
    assert choose_format(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # Higher quality wins regardless of order.
        (f"{JSON_V1};q=0.1, text/html", HTML),
        (f"text/html;q=0.2, {JSON_V1};q=0.9", JSON),
        (f"text/html;q=0.5, {HTML_V1};q=0.6, {JSON_V1};q=0.4", HTML_V1_PAIR),
        # On a tie, the type the client listed first.
        (f"text/html, {JSON_V1}", HTML),
        (f"{JSON_V1}, text/html", JSON),
        (f"{JSON_V1};q=0.5, text/html;q=0.5", JSON),
        # q=0 means "not acceptable".
        (f"{JSON_V1};q=0, text/html;q=0.1", HTML),
        (f"{JSON_V1};q=0.0, */*;q=0.1", HTML),
        # Out-of-range qualities are clamped; a malformed one counts as zero.
        (f"text/html;q=0.9, {JSON_V1};q=7", JSON),
        (f"{JSON_V1};q=oops, text/html;q=0.1", HTML),
        (f"{JSON_V1};q=nan, text/html;q=0.1", HTML),
        (f"{JSON_V1};q=inf, text/html;q=0.9", HTML),
        # Unknown types are ignored, known ones still chosen.
        (f"image/png, {JSON_V1};q=0.2", JSON),
        (f"application/vnd.pypi.simple.v2+json, {HTML_V1};q=0.3", HTML_V1_PAIR),
        # Other parameters do not affect the quality.
        (f"{JSON_V1}; charset=utf-8; q=0.3, text/html; level=1; q=0.2", JSON),
        # Empty list members are skipped.
        (f",, {JSON_V1} ,", JSON),
    ],
)
def test_choose_format_honours_q_values(accept, expected):
    assert choose_format(accept) == expected


@pytest.mark.parametrize(
    "accept",
    [
        "image/png",
        "application/json",
        "application/vnd.pypi.simple.v2+json",
        "text/plain",
        f"{JSON_V1};q=0, text/html;q=0",
        "*/*;q=0",
        "text/html;q=garbage",
        ",",
    ],
)
def test_choose_format_returns_none_when_nothing_is_acceptable(accept):
    assert choose_format(accept) is None


@pytest.mark.parametrize(
    ("format_param", "accept", "expected"),
    [
        (JSON_V1, "text/html", JSON),
        ("application/vnd.pypi.simple.latest+json", None, JSON),
        (HTML_V1, JSON_V1, HTML_V1_PAIR),
        ("text/html", JSON_V1, HTML),
        (f" {JSON_V1.upper()} ", "text/html", JSON),
        ("", JSON_V1, JSON),
        (None, JSON_V1, JSON),
    ],
)
def test_format_parameter_overrides_accept(format_param, accept, expected):
    assert choose_format(accept, format_param) == expected


@pytest.mark.parametrize("format_param", ["json", "html", "application/json", "*/*"])
def test_unknown_format_parameter_is_not_acceptable(format_param):
    assert choose_format(JSON_V1, format_param) is None


_VALID = {JSON, HTML, HTML_V1_PAIR}
_media = st.sampled_from(
    [
        JSON_V1,
        HTML_V1,
        "text/html",
        "application/vnd.pypi.simple.latest+json",
        "*/*",
        "text/*",
        "application/*",
        "image/png",
        "",
    ]
)
_parameter = st.one_of(
    st.builds(lambda q: f"q={q}", st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(lambda q: f"q={q}", st.text(max_size=6)),
    st.text(max_size=10),
)
_structured_accept = st.lists(
    st.builds(lambda m, ps: ";".join([m, *ps]), _media, st.lists(_parameter, max_size=3)),
    max_size=6,
).map(", ".join)


@given(accept=st.one_of(st.none(), st.text(), _structured_accept), fmt=st.none() | st.text())
def test_choose_format_never_raises_and_returns_a_valid_choice(accept, fmt):
    assert choose_format(accept, fmt) in _VALID | {None}


@given(accept=_structured_accept)
def test_choose_format_never_picks_a_type_the_client_refused(accept):
    chosen = choose_format(accept)
    if chosen is not None and "*" not in accept and accept.strip(", "):
        offered = {part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()}
        format_types = {
            "json": {JSON_V1, "application/vnd.pypi.simple.latest+json"},
            "html": {HTML_V1, "text/html"},
        }[chosen[0]]
        assert offered & format_types
