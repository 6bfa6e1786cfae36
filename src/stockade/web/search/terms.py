"""Turn what someone typed into the search box into safe index queries. No Django here.

Nothing the user types reaches a full-text engine as syntax: the text is cut into words, and
each word is quoted and made a prefix term by this module. Quotes, ``*``, ``NEAR``, ``-``,
``:``, ``&`` and the rest are therefore plain characters, never operators, on both engines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from packaging.utils import canonicalize_name

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_WORD_LENGTH = 64
MIN_PREFIX_LENGTH = 3

# Letters and digits only: the underscore counts as a separator, as it does in project names.
_WORD = re.compile(r"[^\W_]+")
_NAME_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: the name form for exact and prefix matches, and the words."""

    text: str
    normalized_name: str
    words: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.words


def parse_query(text: str) -> SearchQuery:
    """Return the query's cleaned text, its PEP 503 name form and its words (at most 8)."""
    cleaned = _clean(text)
    words = tuple(w[:MAX_WORD_LENGTH] for w in _WORD.findall(cleaned.casefold()))[:MAX_WORDS]
    # Names are words joined by separators, so "zope.interface", "Zope Interface" and
    # '"zope-interface"' all name the project zope-interface.
    normalized = canonicalize_name("-".join(words))
    return SearchQuery(text=cleaned, normalized_name=normalized, words=words)


def name_terms(normalized_name: str) -> str:
    """Return a normalized project name as the words the full-text index holds for it."""
    return " ".join(w for w in _NAME_SEPARATORS.split(normalized_name) if w)


def like_prefix(normalized_name: str) -> str:
    """Return a ``LIKE … ESCAPE '\\'`` pattern matching names that start with the name."""
    escaped = normalized_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def fts5_match(words: tuple[str, ...]) -> str:
    """Return an FTS5 MATCH expression: every word, quoted, must occur (as a prefix, if it is
    long enough to be one)."""
    return " ".join(f'"{w}"*' if _is_prefix(w) else f'"{w}"' for w in words)


def tsquery(words: tuple[str, ...]) -> str:
    """Return a PostgreSQL ``to_tsquery`` expression: every word, quoted, must occur (as a
    prefix, if it is long enough to be one)."""
    return " & ".join(f"'{w}':*" if _is_prefix(w) else f"'{w}'" for w in words)


def _is_prefix(word: str) -> bool:
    # One or two letters begin thousands of words: matching them all costs much and ranks
    # nothing useful, and names that start with them are found by the name tiers anyway.
    return len(word) >= MIN_PREFIX_LENGTH


def _clean(text: str) -> str:
    """NFKC-fold, drop control characters and surrogates (PostgreSQL refuses NUL), trim."""
    folded = unicodedata.normalize("NFKC", text[: MAX_QUERY_LENGTH * 2])
    kept = "".join(c for c in folded if unicodedata.category(c) not in {"Cc", "Cs"})
    return " ".join(kept.split())[:MAX_QUERY_LENGTH]
