"""The pure helpers behind the pages: which release a project shows, what metadata it shows,
and how search text is parsed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from stockade.packaging.versions import pick_latest
from stockade.web.queries import read_metadata
from stockade.web.search.terms import fts5_match, like_prefix, parse_query, tsquery


@dataclass
class R:
    version: str
    yanked: bool = False


def test_pick_latest_prefers_the_highest_final_release_not_yanked():
    releases = [R("1.0"), R("2.0", yanked=True), R("3.0rc1"), R("1.5")]

    assert pick_latest(releases).version == "1.5"


def test_pick_latest_falls_back_to_prereleases_then_to_yanked():
    assert pick_latest([R("1.0", yanked=True), R("2.0b1")]).version == "2.0b1"
    assert pick_latest([R("1.0", yanked=True), R("2.0", yanked=True)]).version == "2.0"
    assert pick_latest([]) is None


def test_pick_latest_sorts_by_version_not_text():
    assert pick_latest([R("1.9"), R("1.10"), R("not a version")]).version == "1.10"


def test_read_metadata_keeps_only_web_links():
    meta = read_metadata(
        {
            "home_page": "javascript:alert(1)",
            "download_url": "https://example.com/dl",
            "project_urls": {
                "Source": "https://example.com/src",
                "Bad": "data:text/html,<script>",
                "Also bad": "//example.com/no-scheme",
                "Duplicate": "https://example.com/src",
            },
        }
    )

    assert meta.links == (
        ("Download", "https://example.com/dl"),
        ("Source", "https://example.com/src"),
    )


def test_read_metadata_groups_classifiers_and_tolerates_odd_shapes():
    meta = read_metadata(
        {
            "classifiers": ["Topic :: Utilities", "Topic :: Internet :: WWW/HTTP", "Private"],
            "keywords": "one-string",
            "author": 42,
            "requires_dist": None,
        }
    )

    assert meta.classifiers == (
        ("Topic", ("Utilities", "Internet :: WWW/HTTP")),
        ("Private", ("Private",)),
    )
    assert meta.keywords == ("one-string",)
    assert meta.author == "" and meta.requires_dist == ()
    assert read_metadata(None) == read_metadata({})


def test_read_metadata_prefers_the_license_expression():
    assert read_metadata({"license": "MIT License", "license_expression": "MIT"}).license == "MIT"


@pytest.mark.parametrize(
    ("text", "name", "words"),
    [
        ("Django_REST.framework", "django-rest-framework", ("django", "rest", "framework")),
        ('  "requests"  ', "requests", ("requests",)),
        ("NEAR(a b) -c*", "near-a-b-c", ("near", "a", "b", "c")),
        ("a\x00b", "ab", ("ab",)),
        ("ﬁle²", "file2", ("file2",)),
        ("***", "", ()),
    ],
)
def test_parse_query_finds_the_name_form_and_the_words(text, name, words):
    query = parse_query(text)

    assert query.normalized_name == name
    assert query.words == words


def test_parse_query_limits_words_and_length():
    query = parse_query(" ".join(f"w{i}" for i in range(50)) + " " + "x" * 500)

    assert len(query.words) == 8
    assert len(query.text) <= 200


def test_engine_expressions_quote_every_word_and_widen_the_longer_ones():
    words = ("near", "or")

    assert fts5_match(words) == '"near"* "or"'
    assert tsquery(words) == "'near':* & 'or'"
    assert like_prefix("a_b%c\\") == "a\\_b\\%c\\\\%"
