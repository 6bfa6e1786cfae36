"""Project search: a ranked, paginated query over names, summaries and keywords.

One ``SearchEntry`` row per project (``stockade.web.models``) holds what is searchable, copied
from the project's latest release by ``update_search_index`` after every change. The database
keeps a full-text index of those rows: an FTS5 table fed by triggers on SQLite, a generated
``tsvector`` column with a GIN index on PostgreSQL (both created in the web migrations).
Ranking: the exact normalized name first, then names starting with the query (shortest first),
then full-text relevance. User input never reaches either engine as query syntax
(``terms``). ``stockade reindex`` rebuilds the whole index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

from stockade.web.search import engines
from stockade.web.search.index import (
    index_stale_projects,
    rebuild_search_index,
    update_search_index,
)
from stockade.web.search.terms import SearchQuery, parse_query

__all__ = [
    "PER_PAGE",
    "SearchPage",
    "index_stale_projects",
    "rebuild_search_index",
    "search_projects",
    "update_search_index",
]

PER_PAGE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    page: Page

    @property
    def total(self) -> int:
        return self.page.paginator.count

    @property
    def query_string(self) -> str:
        """The query as a URL query string, for links to other pages of the results."""
        return urlencode({"q": self.query.text})


def search_projects(
    text: str, *, page: int | str | None = 1, per_page: int = PER_PAGE
) -> SearchPage:
    """Return one page of the projects matching ``text``, best first.

    Any text is accepted: an empty or wordless query matches nothing. A page number that is not
    a positive number gives the first page; one past the end gives the last page.
    """
    query = parse_query(text)
    number = _page_number(page)
    entries, total = engines.fetch_matches(query, offset=(number - 1) * per_page, limit=per_page)
    if total is None:  # Past the end: go to the last page.
        total = engines.count_matches(query)
        number = max(1, math.ceil(total / per_page))
        entries, _ = engines.fetch_matches(query, offset=(number - 1) * per_page, limit=per_page)
    paginator = Paginator([], per_page)
    paginator.count = total  # Known from the query; Paginator would otherwise count again.
    return SearchPage(query=query, page=Page(entries, number, paginator))


def _page_number(page: int | str | None) -> int:
    try:
        number = int(str(page).strip())
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)
