"""Long descriptions render with readme_renderer, or the upload is refused with its message."""

from __future__ import annotations

import pytest

from stockade.packaging.models import Release
from stockade.upload.descriptions import render_description
from stockade.upload.exceptions import InvalidDescriptionError
from tests.distributions import Dist
from tests.upload.checks import assert_refused


def test_empty_description_renders_to_nothing():
    assert render_description("", "text/markdown") == ""


def test_markdown_renders_to_html():
    assert "<em>world</em>" in render_description("hello *world*", "text/markdown")


def test_markdown_commonmark_variant_renders():
    assert "<h1>hi</h1>" in render_description("# hi", "text/markdown; variant=CommonMark")


def test_rst_is_the_default_content_type():
    assert "<em>world</em>" in render_description("hello *world*", None)


def test_plain_text_is_escaped():
    assert render_description("a <b> c", "text/plain") == "a &lt;b&gt; c"


def test_script_in_markdown_is_sanitized():
    assert "<script>" not in render_description("<script>alert(1)</script>", "text/markdown")


@pytest.mark.parametrize(
    ("text", "renderer_message"),
    [
        (".. unknown:: x", 'Unknown directive type "unknown"'),
        ("`broken", "start-string without end-string"),
        (".. raw:: html\n\n   <script>x</script>", '"raw" directive disabled'),
    ],
)
def test_invalid_rst_is_refused_with_the_renderers_message(text, renderer_message):
    with pytest.raises(InvalidDescriptionError) as raised:
        render_description(text, "text/x-rst")
    assert "failed to render as reStructuredText" in raised.value.message
    assert renderer_message in raised.value.message
    assert "twine check" in raised.value.message


def test_unsupported_content_type_is_refused():
    with pytest.raises(InvalidDescriptionError, match="Unsupported description content type"):
        render_description("x", "text/html")


def test_upload_with_invalid_rst_is_refused_and_stores_nothing(upload, owner_token, snapshot_state):
    dist = Dist("demo", description=".. unknown:: x\n", description_content_type="text/x-rst")
    state = snapshot_state()
    response = upload(owner_token, dist)
    assert_refused(
        response, 400, "failed to render as reStructuredText", 'unknown directive type "unknown"'
    )
    state.assert_unchanged()


def test_upload_with_valid_rst_stores_the_rendered_html(upload, owner_token):
    dist = Dist("demo", description="Title\n=====\n\n*hi*\n", description_content_type="text/x-rst")
    assert upload(owner_token, dist).status_code == 200

    assert "<em>hi</em>" in Release.objects.get().description_html
