"""An in-memory index of protected names, for typosquat checks that never scan the list.

Each typosquat rule turns the candidate into the few names it could be a typo *of* and looks
them up in hash tables, so a check costs a few hundred dictionary lookups whatever the size of
the list. The one rule that would need every possible inserted character (a character omitted
from a protected name) uses a deletion neighbourhood instead: every protected name is stored
under each of its one-character deletions, so the candidate itself is the key.

Pure Python, no Django: ``services`` builds it from the database and caches it per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


def ultranormalize(name: str) -> str:
    """Return PyPI's confusable skeleton: lowercase, ``l``/``i`` -> ``1``, ``o`` -> ``0``,
    without ``-``, ``_`` and ``.``."""
    skeleton = name.lower()
    for separator in "-_.":
        skeleton = skeleton.replace(separator, "")
    return skeleton.replace("l", "1").replace("i", "1").replace("o", "0")


def deletions(name: str) -> set[str]:
    """Return every string made by deleting one character of ``name``."""
    return {name[:i] + name[i + 1 :] for i in range(len(name))}


def word_key(name: str) -> tuple[str, ...]:
    """Return the ``-``-separated words of a normalized name, sorted (order-free identity)."""
    return tuple(sorted(name.split("-")))


@dataclass(frozen=True)
class ProtectedEntry:
    """A protected name (PEP 503 normalized) and its rank: 1 is the most important."""

    name: str
    rank: int


@dataclass
class ProtectedIndex:
    """Hash tables over the protected names; build with ``ProtectedIndex.build``.

    ``min_edit_length`` keeps single-character edits away from very short names, where almost
    every neighbour is an honest, unrelated name (``six``/``sip``, ``mock``/``moto``).
    """

    min_edit_length: int = 4
    ranks: dict[str, int] = field(default_factory=dict)
    by_deletion: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_skeleton: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_words: dict[tuple[str, ...], list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(
        cls, entries: Iterable[ProtectedEntry], *, min_edit_length: int = 4
    ) -> ProtectedIndex:
        index = cls(min_edit_length=min_edit_length)
        for entry in entries:
            index.add(entry)
        return index

    def add(self, entry: ProtectedEntry) -> None:
        name = entry.name
        known = self.ranks.get(name)
        if known is not None:
            self.ranks[name] = min(known, entry.rank)
            return
        self.ranks[name] = entry.rank
        self.by_skeleton[ultranormalize(name)].append(name)
        if "-" in name:
            self.by_words[word_key(name)].append(name)
        if len(name) >= self.min_edit_length:
            for deleted in deletions(name):
                self.by_deletion[deleted].append(name)

    def __len__(self) -> int:
        return len(self.ranks)

    def __contains__(self, name: object) -> bool:
        return name in self.ranks

    def rank(self, name: str) -> int | None:
        return self.ranks.get(name)

    def is_editable(self, name: str) -> bool:
        """Whether single-character edits of this protected name count as typos."""
        return len(name) >= self.min_edit_length

    def find(self, names: Iterable[str], *, editable: bool = False) -> list[str]:
        """Return the protected names among ``names`` (only long enough ones if ``editable``)."""
        found = []
        for name in names:
            if name in self.ranks and (not editable or self.is_editable(name)):
                found.append(name)
        return found

    def with_deletion(self, deleted: str) -> list[str]:
        """Return the protected names that become ``deleted`` when one character is removed."""
        return self.by_deletion.get(deleted, [])

    def with_skeleton(self, skeleton: str) -> list[str]:
        return self.by_skeleton.get(skeleton, [])

    def with_words(self, key: tuple[str, ...]) -> list[str]:
        return self.by_words.get(key, [])
