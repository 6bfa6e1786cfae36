"""The name rules: pure functions that say which existing or protected name a new project name
resembles, and how, plus the policy that turns those matches into a decision.

Every rule is a small named function ``rule(candidate, ...) -> list[Match]`` over the PEP 503
normalized candidate. ``evaluate_name`` runs them all in order, drops matches against the
requester's own projects, and returns the most severe decision (refuse > hold > allow). No
Django here: ``services`` supplies the existing-project lookups and the protected index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Protocol

from packaging.utils import canonicalize_name

from stockade.names.index import ProtectedIndex, deletions, ultranormalize, word_key

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "Decision",
    "ExistingNames",
    "Match",
    "Policy",
    "Verdict",
    "evaluate_name",
    "normalize",
    "stdlib_names",
    "ultranormalize",
]

Decision = Literal["allow", "hold", "refuse"]
# A rule's configured decision; "tiered" refuses typos of the top protected names, holds others.
Setting = Literal["allow", "hold", "refuse", "tiered"]

_SEVERITY: dict[str, int] = {"allow": 0, "hold": 1, "refuse": 2}

# Keys of a QWERTY keyboard and the keys around each (digits row included).
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# Pairs that look alike in common fonts; each is tried in both directions.
LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("1", "l"),
    ("1", "i"),
    ("l", "i"),
    ("0", "o"),
)
PREFIXES = ("python-", "python", "py-", "py")
SUFFIXES = ("-python", "python", "-py", "py")
_VERSION_SUFFIX = re.compile(r"-?v?\d+(?:-\d+)*")


def normalize(name: str) -> str:
    """Return the PEP 503 form of a project name."""
    return canonicalize_name(name)


def _keyboard_neighbours() -> dict[str, str]:
    position = {
        char: (row, col) for row, keys in enumerate(_KEYBOARD_ROWS) for col, char in enumerate(keys)
    }
    neighbours: dict[str, str] = {}
    for char, (row, col) in position.items():
        near = [
            other
            for other, (r, c) in position.items()
            if other != char and abs(r - row) <= 1 and abs(c - col) <= 1
        ]
        neighbours[char] = "".join(sorted(near))
    return neighbours


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()


@dataclass(frozen=True)
class Match:
    """One rule's finding: the candidate resembles ``resembles`` (normalized) by ``rule``."""

    rule: str
    resembles: str = ""
    rank: int | None = None  # the protected name's rank, for typosquat rules


@dataclass(frozen=True)
class Verdict:
    """What the policy decided for one name; ``rule`` and ``resembles`` are empty on allow."""

    name: str
    normalized: str
    decision: Decision
    rule: str = ""
    resembles: str = ""
    rank: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "name": self.name,
            "decision": self.decision,
            "rule": self.rule or None,
            "resembles": self.resembles or None,
        }

    @property
    def explanation(self) -> str:
        return RULES.get(self.rule, self.rule)


class ExistingNames(Protocol):
    """Lookups over the index's existing projects (the database, or a dict in tests)."""

    def find_same(self, normalized: str) -> str | None:
        """Return the normalized name of the project with this PEP 503 name, if any."""
        ...

    def find_confusable(self, skeleton: str) -> list[str]:
        """Return the normalized names of the projects with this ultranormalized skeleton."""
        ...


@dataclass(frozen=True)
class Policy:
    """Which decision each rule leads to. ``tiered`` rules refuse a typo of a protected name
    ranked ``refuse_top`` or better and hold the rest for review."""

    decisions: Mapping[str, Setting] = field(default_factory=dict)
    refuse_top: int = 1000

    def setting_for(self, rule: str) -> Setting:
        if rule in self.decisions:
            return self.decisions[rule]
        return "tiered" if rule.startswith("typo-") else "refuse"

    def decide(self, match: Match) -> Decision:
        setting = self.setting_for(match.rule)
        if setting != "tiered":
            return setting
        if match.rank is not None and match.rank <= self.refuse_top:
            return "refuse"
        return "hold"


DEFAULT_POLICY = Policy()


# --- collisions, standard library, prohibited names -------------------------------------------


def check_pep503_collision(candidate: str, existing: ExistingNames) -> list[Match]:
    same = existing.find_same(candidate)
    return [Match("pep503-collision", same)] if same is not None else []


def check_confusable_collision(candidate: str, existing: ExistingNames) -> list[Match]:
    return [
        Match("confusable-collision", other)
        for other in existing.find_confusable(ultranormalize(candidate))
        if other != candidate
    ]


@lru_cache(maxsize=8)
def stdlib_names(versions: tuple[str, ...] | None = None) -> frozenset[str]:
    """Return the normalized names of every standard-library module, and of each dotted
    prefix (``xml``, ``xml.etree``, ``xml.etree.ElementTree``), for ``versions`` (by default
    every Python 3 version the ``stdlib-list`` package knows)."""
    import stdlib_list

    if versions is None:
        versions = tuple(v for v in stdlib_list.short_versions if v.startswith("3."))
    names: set[str] = set()
    for version in versions:
        for module in stdlib_list.stdlib_list(version):
            parts = module.split(".")
            for end in range(1, len(parts) + 1):
                names.add(normalize(".".join(parts[:end])))
    return frozenset(names)


def check_stdlib(candidate: str, stdlib: Container[str]) -> list[Match]:
    return [Match("stdlib", candidate)] if candidate in stdlib else []


def check_prohibited(candidate: str, prohibited: Mapping[str, str]) -> list[Match]:
    """``prohibited`` maps ultranormalized skeletons to the prohibited (normalized) names, so
    a look-alike spelling of a prohibited name is prohibited too."""
    name = prohibited.get(ultranormalize(candidate))
    return [Match("prohibited", name)] if name is not None else []


# --- typosquats of protected names -------------------------------------------------------------


def _typos(rule: str, protected: ProtectedIndex, names: Iterable[str]) -> list[Match]:
    return [Match(rule, name, protected.rank(name)) for name in dict.fromkeys(names)]


def check_repeated_character(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """A doubled character of a protected name written once (``reqests`` for ``reqqests``)."""
    doubled = (candidate[: i + 1] + candidate[i:] for i in range(len(candidate)))
    return _typos("typo-repeated-character", protected, protected.find(doubled, editable=True))


def check_omitted_character(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """A character of a protected name left out (``reqests`` for ``requests``)."""
    found = [
        name
        for name in protected.with_deletion(candidate)
        if not _is_repeated_drop(name, candidate) and not _is_version_drop(candidate, name)
    ]
    return _typos("typo-omitted-character", protected, found)


def _is_version_drop(shorter: str, longer: str) -> bool:
    """Whether ``shorter`` is ``longer`` without its trailing major version (``boto``)."""
    return longer[-1].isdigit() and longer[:-1] == shorter


def _is_repeated_drop(name: str, candidate: str) -> bool:
    return any(
        name[i] == name[i + 1] and name[:i] + name[i + 1 :] == candidate
        for i in range(len(name) - 1)
    )


def _is_affix_edit(shorter: str, longer: str) -> bool:
    """Whether ``longer`` is ``shorter`` with a new leading character or a trailing digit.

    Both are naming conventions far more often than typos: a leading letter marks a variant
    (``grequests``, ``cattrs``, ``ipytest``) and people rarely mistype the first key (a doubled
    first letter, ``aaiohttp``, still counts); a trailing digit is a major version
    (``psycopg2``), which ``check_version_suffix`` judges on its own.
    """
    new_leading = longer[1:] == shorter and longer[0] != longer[1:2]
    return new_leading or (longer[-1].isdigit() and longer[:-1] == shorter)


def check_inserted_character(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """A character added to a protected name (``requestss``, ``reqjuests``)."""
    found = [
        name
        for name in protected.find(sorted(deletions(candidate)), editable=True)
        if not _is_affix_edit(name, candidate)
    ]
    return _typos("typo-inserted-character", protected, found)


def check_swapped_characters(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """Two adjacent characters of a protected name swapped (``reqeusts``)."""
    swapped = (
        candidate[:i] + candidate[i + 1] + candidate[i] + candidate[i + 2 :]
        for i in range(len(candidate) - 1)
        if candidate[i] != candidate[i + 1]
    )
    return _typos("typo-swapped-characters", protected, protected.find(swapped, editable=True))


def check_reordered_words(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """The ``-``-separated words of a protected name in another order (``oauthlib-requests``)."""
    if "-" not in candidate:
        return []
    found = [name for name in protected.with_words(word_key(candidate)) if name != candidate]
    return _typos("typo-reordered-words", protected, found)


def check_keyboard_substitution(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """One character replaced by a key next to it (``requesrs``)."""
    variants = (
        candidate[:i] + near + candidate[i + 1 :]
        for i, char in enumerate(candidate)
        for near in KEYBOARD_NEIGHBOURS.get(char, "")
        # Digits in names are versions (``cu11``/``cu12``, ``pyqt5``/``pyqt6``), not typos.
        if not (char.isdigit() and near.isdigit())
    )
    return _typos("typo-keyboard-substitution", protected, protected.find(variants, editable=True))


def check_lookalike(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """Characters that look alike swapped in (``rn``/``m``, ``vv``/``w``, ``1``/``l``,
    ``0``/``o``), or the same confusable skeleton as a protected name (``req-uests``)."""
    variants: list[str] = []
    for one, other in LOOKALIKES:
        for old, new in ((one, other), (other, one)):
            start = candidate.find(old)
            while start != -1:
                variants.append(candidate[:start] + new + candidate[start + len(old) :])
                start = candidate.find(old, start + 1)
    found = protected.find(variants)
    found += [n for n in protected.with_skeleton(ultranormalize(candidate)) if n != candidate]
    return _typos("typo-lookalike", protected, found)


def _without_affix(name: str) -> list[str]:
    bases = [name[len(p) :] for p in PREFIXES if name.startswith(p)]
    bases += [name[: -len(s)] for s in SUFFIXES if name.endswith(s)]
    return [base.strip("-") for base in bases if len(base.strip("-")) >= 3]


def check_python_affix(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """``py``/``python`` added to or removed from a protected name, as a prefix or a suffix
    (``python-requests``, ``requests-py``, ``yaml`` for ``pyyaml``)."""
    bases = [candidate, *_without_affix(candidate)]
    variants = set(bases[1:])
    for base in bases:
        variants.update(prefix + base for prefix in PREFIXES)
        variants.update(base + suffix for suffix in SUFFIXES)
    variants.discard(candidate)
    return _typos("typo-python-affix", protected, protected.find(sorted(variants)))


def check_version_suffix(candidate: str, protected: ProtectedIndex) -> list[Match]:
    """A version-like suffix added to a protected name (``requests2``, ``requests-v2``,
    ``boto3-1-0``)."""
    bases = [
        candidate[:start].rstrip("-")
        for start in range(1, len(candidate))
        if _VERSION_SUFFIX.fullmatch(candidate, start)
    ]
    found = [base for base in bases if len(base) >= 2]
    return _typos("typo-version-suffix", protected, protected.find(found))


TYPO_RULES: tuple[Callable[[str, ProtectedIndex], list[Match]], ...] = (
    # The most specific explanation first: ``requests2`` is a version suffix, not an insertion.
    check_reordered_words,
    check_python_affix,
    check_version_suffix,
    check_lookalike,
    check_repeated_character,
    check_omitted_character,
    check_inserted_character,
    check_swapped_characters,
    check_keyboard_substitution,
)

# Every rule, by the name verdicts and audit events use, with what it means.
RULES: dict[str, str] = {
    "pep503-collision": "the same name as an existing project once normalized (PEP 503)",
    "confusable-collision": (
        "confusable with an existing project (ignoring - _ . and reading l, i, I as 1 and o as 0)"
    ),
    "stdlib": "the name of a standard-library module",
    "prohibited": "a name the index administrators have prohibited",
    "typo-repeated-character": "a repeated character dropped",
    "typo-omitted-character": "a character omitted",
    "typo-inserted-character": "a character inserted",
    "typo-swapped-characters": "two adjacent characters swapped",
    "typo-reordered-words": "its words reordered",
    "typo-keyboard-substitution": "a character replaced by a neighbouring key",
    "typo-lookalike": "look-alike characters substituted",
    "typo-python-affix": "a py/python prefix or suffix added or removed",
    "typo-version-suffix": "a version-like suffix added",
}


def find_matches(
    candidate: str,
    *,
    existing: ExistingNames,
    protected: ProtectedIndex,
    prohibited: Mapping[str, str],
    stdlib: Container[str],
) -> list[Match]:
    """Return every rule's matches for a normalized candidate, in rule order."""
    matches = check_pep503_collision(candidate, existing)
    matches += check_confusable_collision(candidate, existing)
    matches += check_stdlib(candidate, stdlib)
    matches += check_prohibited(candidate, prohibited)
    # A name on the protected list is an established project, not a typo of its neighbours.
    if candidate not in protected:
        for rule in TYPO_RULES:
            matches += [m for m in rule(candidate, protected) if m.resembles != candidate]
    return matches


def evaluate_name(
    name: str,
    *,
    existing: ExistingNames,
    protected: ProtectedIndex,
    prohibited: Mapping[str, str],
    stdlib: Container[str],
    owned: Collection[str] = frozenset(),
    policy: Policy = DEFAULT_POLICY,
) -> Verdict:
    """Return the decision for a new project name.

    Args:
        name: the name as the requester spelled it.
        owned: normalized names of the requester's own projects; a name never counts against
            its owner (the owner of ``foo`` may create ``foo2`` or ``python-foo``).
        policy: the decision of each rule.
    """
    candidate = normalize(name)
    best: Verdict = Verdict(name=name, normalized=candidate, decision="allow")
    for match in find_matches(
        candidate, existing=existing, protected=protected, prohibited=prohibited, stdlib=stdlib
    ):
        if match.resembles in owned and match.rule not in {"stdlib", "prohibited"}:
            continue
        decision = policy.decide(match)
        if _SEVERITY[decision] > _SEVERITY[best.decision]:
            best = Verdict(name, candidate, decision, match.rule, match.resembles, match.rank)
            if decision == "refuse":
                break
    return best
