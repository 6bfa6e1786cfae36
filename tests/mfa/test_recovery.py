"""Recovery codes: their shape, and the keyed hash the database keeps."""

from __future__ import annotations

from stockade.mfa import recovery


def test_eight_distinct_readable_codes():
    codes = recovery.generate_codes()
    assert len(codes) == 8 == len(set(codes))
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code.replace("-", "")) & set("01ilo")


def test_the_hash_ignores_case_spaces_and_dashes(settings):
    settings.SECRET_KEY = "k" * 50
    assert recovery.hash_code("abcde-fghjk") == recovery.hash_code(" ABCDE FGHJK ")
    assert recovery.hash_code("abcde-fghjk") != recovery.hash_code("abcde-fghjm")


def test_the_hash_depends_on_the_server_key(settings):
    settings.SECRET_KEY = "k" * 50
    first = recovery.hash_code("abcde-fghjk")
    settings.SECRET_KEY = "j" * 50
    assert recovery.hash_code("abcde-fghjk") != first


def test_codes_hashed_under_a_fallback_key_still_match(settings):
    settings.SECRET_KEY = "old" * 20
    stored = recovery.hash_code("abcde-fghjk")
    settings.SECRET_KEY = "new" * 20
    settings.SECRET_KEY_FALLBACKS = ["old" * 20]
    assert stored in recovery.candidate_hashes("abcde-fghjk")
