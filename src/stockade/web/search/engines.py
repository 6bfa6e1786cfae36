"""The ranked search query, in the SQL of each database engine.

Ranking is in three tiers: the exact normalized name, then names that start with it (shortest
first), then full-text matches on name words, keywords and summary by relevance. A project in
several tiers counts once, in its best. Pages are cut in SQL (LIMIT/OFFSET): however many
projects match, one page of rows comes back.
"""

from __future__ import annotations

from django.db import connection

from stockade.web.models import SearchEntry
from stockade.web.search.terms import SearchQuery, fts5_match, like_prefix, tsquery

# The queries are assembled from fixed fragments only; everything the user typed travels as a
# bound parameter (hence the S608 suppressions).
_COLUMNS = ", ".join(f"e.{field.column}" for field in SearchEntry._meta.concrete_fields)

# Names starting with the query. SQLite's LIKE cannot use an index with ESCAPE, but a range on
# the binary-collated unique index can; PostgreSQL has a text_pattern_ops index for LIKE.
_SQLITE_PREFIX = "normalized_name >= %s AND normalized_name < %s"
_POSTGRES_PREFIX = "normalized_name LIKE %s ESCAPE '\\'"

# bm25() is lower for better matches; the weights favour name words, then keywords.
_SQLITE_TEXT = """
    SELECT rowid AS project_id, bm25(web_searchentry_fts, 10.0, 4.0, 2.0) AS score
    FROM web_searchentry_fts WHERE web_searchentry_fts MATCH %s
"""
_SQLITE_TEXT_IDS = """
    SELECT rowid FROM web_searchentry_fts WHERE web_searchentry_fts MATCH %s
"""

# ts_rank() is higher for better matches; negated so that lower sorts first everywhere.
_POSTGRES_TEXT = """
    SELECT project_id, CAST(-ts_rank(document, query) AS REAL) AS score
    FROM web_searchentry, to_tsquery('english', %s) AS query WHERE document @@ query
"""
_POSTGRES_TEXT_IDS = """
    SELECT project_id FROM web_searchentry WHERE document @@ to_tsquery('english', %s)
"""

_BEST = """
    best AS (
        SELECT project_id, MIN(tier) AS tier,
               MIN(CASE WHEN tier = 1 THEN score END) AS name_length,
               MIN(CASE WHEN tier = 2 THEN score END) AS text_rank
        FROM hits GROUP BY project_id
    )
"""


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _prefix(query: SearchQuery) -> tuple[str, list[str]]:
    """Return the SQL condition for names starting with the query's name, and its parameters."""
    if _is_postgres():
        return _POSTGRES_PREFIX, [like_prefix(query.normalized_name)]
    # Names are ASCII, so every name that starts with it sorts below it + the last code point.
    return _SQLITE_PREFIX, [query.normalized_name, query.normalized_name + "\U0010ffff"]


def _text(query: SearchQuery, *, ranked: bool) -> tuple[str, list[str]]:
    """Return the full-text match as SQL (ids, with a score if ``ranked``), and its parameters."""
    if _is_postgres():
        sql = _POSTGRES_TEXT if ranked else _POSTGRES_TEXT_IDS
        return sql, [tsquery(query.words)]
    sql = _SQLITE_TEXT if ranked else _SQLITE_TEXT_IDS
    return sql, [fts5_match(query.words)]


def count_matches(query: SearchQuery) -> int:
    """Return how many projects match."""
    if query.is_empty:
        return 0
    # The exact name is one of the names it prefixes, so two sets cover every tier.
    prefix, prefix_params = _prefix(query)
    text, text_params = _text(query, ranked=False)
    sql = f"""
        SELECT COUNT(*) FROM (
            SELECT project_id FROM web_searchentry WHERE {prefix}
            UNION
            {text}
        ) AS matches
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prefix_params, *text_params])
        return cursor.fetchone()[0]


def fetch_matches(
    query: SearchQuery, *, offset: int, limit: int
) -> tuple[list[SearchEntry], int | None]:
    """Return the entries ranked ``offset`` to ``offset + limit``, best first, and how many
    projects match in all (None when the page is empty, since no row could carry it)."""
    if query.is_empty or limit <= 0:
        return [], 0
    prefix, prefix_params = _prefix(query)
    text, text_params = _text(query, ranked=True)
    hits = f"""
        hits(project_id, tier, score) AS (
            SELECT project_id, 0, CAST(0 AS REAL) FROM web_searchentry WHERE normalized_name = %s
            UNION ALL
            SELECT project_id, 1, CAST(length(normalized_name) AS REAL)
            FROM web_searchentry WHERE {prefix}
            UNION ALL
            SELECT project_id, 2, score FROM ({text}) AS text_matches
        )
    """  # noqa: S608
    params = [query.normalized_name, *prefix_params, *text_params]
    # The window count rides along with the page, which saves a second pass over the matches.
    sql = f"""
        WITH {hits}, {_BEST}
        SELECT {_COLUMNS}, COUNT(*) OVER () AS total_matches
        FROM best JOIN web_searchentry e ON e.project_id = best.project_id
        ORDER BY best.tier, best.name_length, best.text_rank, e.normalized_name
        LIMIT %s OFFSET %s
    """  # noqa: S608
    entries = list(SearchEntry.objects.raw(sql, [*params, limit, offset]))
    total = entries[0].total_matches if entries else (0 if offset == 0 else None)
    return entries, total
