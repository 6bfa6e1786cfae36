"""Search: ranking, pagination, index upkeep, and hostile input that must never fail."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.audit.actors import actor_for_cli
from stockade.packaging.models import Project
from stockade.packaging.services import remove_project, set_release_yanked
from stockade.web.models import SearchEntry
from stockade.web.search import rebuild_search_index, search_projects
from stockade.web.search.terms import parse_query

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    '"',
    '""',
    "*",
    "**",
    "NEAR",
    "NEAR(a b)",
    "a NEAR/2 b",
    "-",
    "--",
    "-requests",
    "foo -bar",
    "a OR b",
    "a AND NOT b",
    "(",
    ")",
    "^",
    "'",
    "'; DROP TABLE web_searchentry; --",
    "\\",
    "%",
    "_",
    "%_%",
    ":*",
    "a:*",
    "!&|<->",
    "name:requests",
    "{}[]",
    "\x00",
    "a\x00b",
    "\u200b",
    "日本語",
    "café",
    "Ωmega",
    "😀",
    "x²",
    "ﬁle",
    "a" * 5000,
    " ".join(["w"] * 100),
]


def names(text: str, **kwargs) -> list[str]:
    return [entry.name for entry in search_projects(text, **kwargs).page.object_list]


@pytest.fixture
def catalogue(make_project):
    make_project("requests", summary="Python HTTP for Humans.", keywords=["http", "client"])
    make_project("requests-toolbelt", summary="Utilities for python-requests")
    make_project("requests-oauthlib", summary="OAuthlib authentication support for Requests.")
    make_project("toolbelt-requests", summary="Something else entirely")
    make_project("httpx", summary="The next generation HTTP client.", keywords=["http", "async"])
    make_project("pyyaml", summary="YAML parser and emitter for Python")
    make_project("django-rest-framework", summary="Web APIs for Django, made easy.")
    make_project("djangorestframework-stubs", summary="Type stubs")


def test_exact_name_comes_first_then_prefixes_then_text(catalogue):
    found = names("requests")

    assert found[0] == "requests"
    assert set(found[1:3]) == {"requests-oauthlib", "requests-toolbelt"}
    assert found[3:] == ["toolbelt-requests"]


def test_any_spelling_of_a_name_matches_it_exactly(catalogue):
    assert names("Requests")[0] == "requests"
    assert names("Django_Rest.Framework")[0] == "django-rest-framework"
    assert names("django rest framework")[0] == "django-rest-framework"


def test_prefix_matches_shortest_name_first(catalogue):
    found = names("requ")
    assert found[0] == "requests"
    assert set(found[1:3]) == {"requests-oauthlib", "requests-toolbelt"}
    assert names("djangorest") == ["djangorestframework-stubs"]


def test_full_text_matches_summary_and_keywords(catalogue):
    assert names("emitter") == ["pyyaml"]
    assert names("async") == ["httpx"]
    assert set(names("http")) == {"requests", "httpx"}
    assert names("generation client") == ["httpx"]


def test_full_text_matches_word_prefixes_and_stems(catalogue):
    assert names("gener") == ["httpx"]
    assert "pyyaml" in names("parsers")


def test_every_word_must_match(catalogue):
    assert names("http async") == ["httpx"]
    assert names("http nonexistentword") == []


def test_name_words_outrank_summary_words(make_project):
    make_project("alpha", summary="Helpers for widgets, widgets and widgets")
    make_project("widgets-extra", summary="Nothing to see")
    make_project("beta", summary="One widget")

    assert names("extra widgets")[0] == "widgets-extra"
    assert names("widgets")[0] == "widgets-extra"


def test_empty_and_wordless_queries_match_nothing(catalogue, client):
    for text in ("", "   ", "***", '"-"'):
        result = search_projects(text)
        assert result.total == 0 and list(result.page.object_list) == []
        response = client.get("/search/", {"q": text})
        assert response.status_code == 200
        assert 'id="results-heading"' not in response.content.decode()


def test_results_are_paginated_twenty_a_page(make_project, client):
    for i in range(45):
        make_project(f"pkg-{i:02d}", summary="A packaged thing")

    first = search_projects("packaged")
    third = search_projects("packaged", page=3)

    assert first.total == 45
    assert first.page.paginator.num_pages == 3
    assert len(first.page.object_list) == 20 and len(third.page.object_list) == 5
    every = [e.name for p in (1, 2, 3) for e in search_projects("packaged", page=p).page]
    assert sorted(every) == [f"pkg-{i:02d}" for i in range(45)]

    html = client.get("/search/", {"q": "packaged", "page": "2"}).content.decode()
    assert 'aria-label="Pages of results"' in html
    assert 'href="?q=packaged&amp;page=1" rel="prev"' in html
    assert 'href="?q=packaged&amp;page=3" rel="next"' in html
    assert "Page 2 of 3" in html
    assert "45 projects match" in html


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("", 1),
        ("1e3", 1),
        ("2.5", 1),
        (" 2 ", 2),
        ("999", 2),
        ("9" * 5000, 1),  # Beyond what int() parses: not a number.
        (str(10**30), 2),
    ],
)
def test_odd_page_numbers_give_the_first_or_last_page(make_project, client, page, shown):
    for i in range(25):
        make_project(f"pkg-{i:02d}", summary="A packaged thing")

    result = search_projects("packaged", page=page)
    response = client.get("/search/", {"q": "packaged", "page": page})

    assert result.page.number == shown and result.total == 25
    assert len(result.page.object_list) == (20 if shown == 1 else 5)
    assert response.status_code == 200
    assert f"Page {shown} of 2" in response.content.decode()


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
def test_hostile_queries_are_plain_text(catalogue, client, text):
    result = search_projects(text)
    response = client.get("/search/", {"q": text})

    assert response.status_code == 200
    assert result.total == len(result.page.object_list) or result.total > 20


def test_operator_words_are_searched_as_words(make_project):
    make_project("nearby", summary="Find things NEAR you")
    make_project("other", summary="Nothing")

    assert names("NEAR") == ["nearby"]
    assert names('"near" OR "nothing"') == []
    assert names("-nothing") == ["other"]


def test_search_finds_unicode_words(make_project):
    make_project("nihongo", summary="日本語 テキスト処理")
    make_project("cafe-tools", summary="Outils pour le café")

    assert names("日本語") == ["nihongo"]
    assert names("café") == ["cafe-tools"]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300), page=st.one_of(st.none(), st.text(max_size=5)))
def test_fuzzed_queries_never_fail(catalogue, text, page):
    result = search_projects(text, page=page)

    assert result.total >= 0
    assert len(result.page.object_list) <= 20
    assert parse_query(text).words == parse_query(parse_query(text).text).words


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200))
def test_fuzzed_queries_never_fail_through_the_page(catalogue, client, text):
    response = client.get("/search/", {"q": text})

    assert response.status_code == 200


def test_upload_yank_and_removal_keep_the_index_current(
    publish, django_capture_on_commit_callbacks
):
    publish("indexed-pkg", summary="Original words", version="1.0")
    assert names("original") == ["indexed-pkg"]

    publish("indexed-pkg", summary="Replacement words", version="2.0")
    assert names("replacement") == ["indexed-pkg"] and names("original") == []

    with django_capture_on_commit_callbacks(execute=True):
        set_release_yanked(
            actor=actor_for_cli(),
            project_name="indexed-pkg",
            version="2.0",
            yanked=True,
            reason="x",
        )
    assert names("original") == ["indexed-pkg"]

    with django_capture_on_commit_callbacks(execute=True):
        remove_project(actor=actor_for_cli(), project_name="indexed-pkg")
    assert names("original") == [] and names("indexed-pkg") == []
    assert SearchEntry.objects.count() == 0


def test_rebuild_indexes_every_project_and_drops_strays(make_project):
    make_project("one", summary="First")
    make_project("two", summary="Second")
    SearchEntry.objects.all().delete()
    Project.objects.create(name="three")

    assert names("first") == []
    assert rebuild_search_index(batch_size=2) == 3
    assert names("first") == ["one"] and names("three") == ["three"]
    assert SearchEntry.objects.count() == 3


def test_reindex_command_rebuilds_the_index(make_project, capsys):
    make_project("one", summary="First")
    SearchEntry.objects.all().delete()

    call_command("reindex")

    assert names("first") == ["one"]
    assert "Indexed 1 project" in capsys.readouterr().out


def test_stale_and_missing_entries_are_reindexed_at_start_up(make_project):
    """An index upgraded from a version without search, or behind after a crash, catches up."""
    from stockade.web.models import SearchEntry
    from stockade.web.search import index_stale_projects, search_projects

    make_project("catch-up-alpha", summary="first")
    make_project("catch-up-beta", summary="second")
    SearchEntry.objects.all().delete()
    assert index_stale_projects() == 2
    assert index_stale_projects() == 0
    found = {e.project.normalized_name for e in search_projects("catch-up").page}
    assert found == {"catch-up-alpha", "catch-up-beta"}
