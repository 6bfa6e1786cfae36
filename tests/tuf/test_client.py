"""The verifying client's pure parts: how a python-tuf failure is named, content negotiation."""

from __future__ import annotations

import pytest
from stockade_verify.errors import classify
from stockade_verify.proxy import _normalize, _wants_json
from tuf.api import exceptions


@pytest.mark.parametrize(
    ("error", "attack"),
    [
        (exceptions.ExpiredMetadataError("timestamp.json is expired"), "Freeze attack"),
        (exceptions.BadVersionNumberError("New timestamp version 3 must be >= 4"), "Rollback"),
        (exceptions.BadVersionNumberError("Expected snapshot version 5, got 4"), "Mix-and-match"),
        (exceptions.UnsignedMetadataError("bins-0a was signed by 0/1 keys"), "Untrusted signature"),
        (exceptions.DownloadLengthMismatchError("more than 16384"), "Endless data attack"),
        (exceptions.SlowRetrievalError("slow"), "Slow retrieval attack"),
    ],
)
def test_each_failure_names_its_attack(error, attack) -> None:
    refused = classify(error)
    assert refused.attack.startswith(attack)
    assert str(error) in str(refused)


def test_json_is_served_when_accepted() -> None:
    pip = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1"
    assert _wants_json(pip)
    assert not _wants_json("text/html")
    assert not _wants_json("application/vnd.pypi.simple.v1+json; q=0")


def test_names_are_normalized() -> None:
    assert _normalize("Foo_Bar.baz") == "foo-bar-baz"
