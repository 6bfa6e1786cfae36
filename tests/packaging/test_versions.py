"""Which release is the latest: one rule for simple pages, the JSON API, web pages and search."""

from dataclasses import dataclass

from stockade.packaging.versions import pick_latest, version_key


@dataclass
class R:
    version: str
    yanked: bool = False


def test_latest_is_the_highest_final_unyanked_release():
    releases = [R("1.0"), R("2.0", yanked=True), R("1.5"), R("3.0rc1")]
    assert pick_latest(releases).version == "1.5"


def test_falls_back_to_prereleases_then_to_yanked():
    assert pick_latest([R("1.0", yanked=True), R("2.0b1")]).version == "2.0b1"
    assert pick_latest([R("1.0", yanked=True), R("2.0", yanked=True)]).version == "2.0"
    assert pick_latest([]) is None


def test_an_unparsable_stored_version_sorts_first_instead_of_failing():
    """Old data may hold a version PEP 440 rejects; ordering must not raise (it was a 500)."""
    assert pick_latest([R("not-a-version"), R("1.0")]).version == "1.0"
    assert sorted(["2.0", "junk", "1.0"], key=version_key) == ["junk", "1.0", "2.0"]
