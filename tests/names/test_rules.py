"""The pure rules: one test group per rule, and the policy that decides."""

from __future__ import annotations

import pytest

from stockade.names.index import ProtectedEntry, ProtectedIndex, ultranormalize
from stockade.names.rules import (
    Policy,
    check_confusable_collision,
    check_inserted_character,
    check_keyboard_substitution,
    check_lookalike,
    check_omitted_character,
    check_pep503_collision,
    check_prohibited,
    check_python_affix,
    check_reordered_words,
    check_repeated_character,
    check_stdlib,
    check_swapped_characters,
    check_version_suffix,
    evaluate_name,
    stdlib_names,
)

TOP = ["requests", "numpy", "pandas", "requests-oauthlib", "pyyaml", "matplotlib", "six", "attrs"]


class FakeExisting:
    def __init__(self, names: list[str]) -> None:
        self.names = set(names)

    def find_same(self, normalized: str) -> str | None:
        return normalized if normalized in self.names else None

    def find_confusable(self, skeleton: str) -> list[str]:
        return [n for n in self.names if ultranormalize(n) == skeleton]


@pytest.fixture(scope="module")
def protected() -> ProtectedIndex:
    return ProtectedIndex.build(ProtectedEntry(n, rank) for rank, n in enumerate(TOP, start=1))


def resembled(matches) -> list[str]:
    return [m.resembles for m in matches]


def test_ultranormalize_follows_pypi():
    assert ultranormalize("Il-o_.O") == "1100"


def test_pep503_collision_finds_any_spelling():
    assert resembled(check_pep503_collision("foo-bar", FakeExisting(["foo-bar"]))) == ["foo-bar"]
    assert check_pep503_collision("foo-baz", FakeExisting(["foo-bar"])) == []


def test_confusable_collision_ignores_separators_and_lookalikes():
    existing = FakeExisting(["foobar", "cool-lib"])
    assert resembled(check_confusable_collision("foo-bar", existing)) == ["foobar"]
    assert resembled(check_confusable_collision("c00l1ib", existing)) == ["cool-lib"]
    assert check_confusable_collision("foobar", existing) == []  # itself is not a collision


def test_stdlib_covers_modules_and_dotted_prefixes_of_every_version():
    names = stdlib_names()
    assert {"os", "xml", "xml-etree", "xml-etree-elementtree", "asyncio", "tomllib"} <= names
    assert "distutils" in names  # gone in 3.12, still a supported version's module
    assert check_stdlib("os", names)[0].rule == "stdlib"
    assert check_stdlib("requests", names) == []


def test_prohibited_matches_lookalike_spellings():
    prohibited = {ultranormalize("evil"): "evil"}
    assert resembled(check_prohibited("ev1l", prohibited)) == ["evil"]
    assert check_prohibited("good", prohibited) == []


@pytest.mark.parametrize(
    ("check", "candidate", "expected"),
    [
        (check_repeated_character, "pyyml", []),
        (check_repeated_character, "pyaml", ["pyyaml"]),
        (check_omitted_character, "reqests", ["requests"]),
        (check_omitted_character, "requets", ["requests"]),
        (check_inserted_character, "requestes", ["requests"]),
        (check_inserted_character, "nummpy", ["numpy"]),
        (check_swapped_characters, "reqeusts", ["requests"]),
        (check_swapped_characters, "pnadas", ["pandas"]),
        (check_reordered_words, "oauthlib-requests", ["requests-oauthlib"]),
        (check_keyboard_substitution, "requesrs", ["requests"]),
        (check_keyboard_substitution, "pabdas", ["pandas"]),
        (check_lookalike, "rnatplotlib", ["matplotlib"]),
        (check_lookalike, "reque5ts", []),
        (check_lookalike, "req-uests", ["requests"]),
        (check_python_affix, "python-requests", ["requests"]),
        (check_python_affix, "requests-py", ["requests"]),
        (check_python_affix, "yaml", ["pyyaml"]),
        (check_python_affix, "py-numpy", ["numpy"]),
        (check_version_suffix, "requests2", ["requests"]),
        (check_version_suffix, "requests-v2", ["requests"]),
        (check_version_suffix, "numpy-1-0", ["numpy"]),
    ],
)
def test_typosquat_rules(protected, check, candidate, expected):
    assert resembled(check(candidate, protected)) == expected


def test_single_edits_leave_short_names_alone(protected):
    """``six`` is shorter than the edit minimum: ``sex`` and ``sux`` are not its typos."""
    assert check_keyboard_substitution("sux", protected) == []
    assert check_omitted_character("sx", protected) == []


def test_affix_like_edits_are_not_typos(protected):
    """A leading letter or a trailing digit is a naming convention (``cattrs``, ``pandas2``
    goes to the version-suffix rule instead)."""
    assert check_inserted_character("cattrs", protected) == []
    assert check_inserted_character("pandas2", protected) == []


def test_digits_are_not_keyboard_typos():
    index = ProtectedIndex.build([ProtectedEntry("nvidia-cu12", 1)])
    assert check_keyboard_substitution("nvidia-cu13", index) == []


def evaluate(name: str, protected: ProtectedIndex, **kwargs):
    defaults = {"existing": FakeExisting([]), "prohibited": {}, "stdlib": stdlib_names()}
    return evaluate_name(name, protected=protected, **{**defaults, **kwargs})


def test_honest_near_names_pass(protected):
    for name in ["requests-oauthlib", "requests-toolbelt", "pandas-stubs", "numpy-financial"]:
        assert evaluate(name, protected).decision == "allow", name


def test_typos_of_top_names_are_refused_and_others_held(protected):
    verdict = evaluate("reqeusts", protected, policy=Policy(refuse_top=1))
    assert (verdict.decision, verdict.rule, verdict.resembles) == (
        "refuse",
        "typo-swapped-characters",
        "requests",
    )
    assert evaluate("pnadas", protected, policy=Policy(refuse_top=1)).decision == "hold"


def test_policy_overrides_a_rule(protected):
    policy = Policy(decisions={"typo-swapped-characters": "allow"})
    assert evaluate("reqeusts", protected, policy=policy).decision == "allow"
    assert evaluate("os", protected, policy=Policy(decisions={"stdlib": "hold"})).decision == "hold"


def test_owner_is_not_blocked_by_own_names(protected):
    existing = FakeExisting(["foo"])
    assert evaluate("f00", protected, existing=existing).decision == "refuse"
    assert evaluate("f00", protected, existing=existing, owned={"foo"}).decision == "allow"
    assert evaluate("python-requests", protected, owned={"requests"}).decision == "allow"
    assert evaluate("foo-utils", protected, existing=existing, owned={"foo"}).decision == "allow"


def test_owners_still_meet_stdlib_and_prohibited(protected):
    assert evaluate("os", protected, owned={"os"}).decision == "refuse"


def test_a_protected_name_is_not_a_typo_of_another(protected):
    """``requests-oauthlib`` is itself protected; its words reordered vs. nothing else."""
    index = ProtectedIndex.build([ProtectedEntry("attr", 2), ProtectedEntry("attrs", 1)])
    assert evaluate("attr", index).decision == "allow"


def test_verdict_json_shape(protected):
    assert evaluate("reqeusts", protected).to_dict() == {
        "name": "reqeusts",
        "decision": "refuse",
        "rule": "typo-swapped-characters",
        "resembles": "requests",
    }
