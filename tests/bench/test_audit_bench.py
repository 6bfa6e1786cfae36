"""The audit bench's pure parts: percentiles, stats, the on/off comparison, upload encoding.

No server is started and nothing is timed here.
"""

from __future__ import annotations

import hashlib

import pytest
from bench.audit import Comparison, database_url, parse_proc_stat, run_order, server_env
from bench.uploads import auth_header, encode_upload, percentile, prepare_wheels, summarize

from tests.distributions import Dist


def test_percentile_uses_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([3.0, 1.0, 2.0], 50) == 2
    assert percentile([], 99) == 0.0
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_summarize_counts_only_successes() -> None:
    stats = summarize([0.1, 0.2, 0.3, 0.4], seconds=2.0, concurrency=16, failures=["x: 500 boom"])
    assert stats.count == 4
    assert stats.per_second == pytest.approx(2.0)
    assert stats.p50_ms == pytest.approx(200)
    assert stats.p99_ms == pytest.approx(400)
    assert "1 FAILED" in stats.line()
    assert summarize([], seconds=0.0, concurrency=1).per_second == 0.0


def test_comparison_ratio_is_of_medians_and_judges_the_goal() -> None:
    c = Comparison(on=(90.0, 100.0, 80.0), off=(100.0, 110.0, 90.0))
    assert c.median_on == 90
    assert c.median_off == 100
    assert c.ratio == pytest.approx(0.9)
    assert c.goal_met  # exactly 90% meets "at least 90%"
    assert c.best_ratio == pytest.approx(100 / 110)
    assert c.paired_ratios == pytest.approx((0.9, 100 / 110, 80 / 90))
    assert "MET" in c.summary()
    missed = Comparison(on=(85.0,), off=(100.0,))
    assert not missed.goal_met
    assert "MISSED" in missed.summary()


def test_runs_alternate_on_and_off() -> None:
    assert run_order(3) == ["on", "off", "on", "off", "on", "off"]


def test_database_url_replaces_only_the_name() -> None:
    base = "postgresql://postgres:pw@127.0.0.1:5432/postgres?sslmode=disable"
    assert database_url(base, "b1") == "postgresql://postgres:pw@127.0.0.1:5432/b1?sslmode=disable"


def test_server_env_sets_the_switches_and_drops_other_stockade_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("STOCKADE_STORAGE_URL", "s3://elsewhere")
    env = server_env(tmp_path, "postgresql://x/y", recording=False, tuf=False)
    assert env["STOCKADE_AUDIT_RECORDING"] == "false"
    assert env["STOCKADE_TUF"] == "false"
    assert env["STOCKADE_REQUIRE_2FA"] == "off"
    assert env["STOCKADE_DATABASE_URL"] == "postgresql://x/y"
    assert "STOCKADE_STORAGE_URL" not in env
    assert server_env(tmp_path, "u", recording=True, tuf=True)["STOCKADE_AUDIT_RECORDING"] == "true"


def test_encoded_upload_is_the_form_twine_sends() -> None:
    dist = Dist("bench-encode", version="2.0")
    wheel = dist.wheel()
    upload = encode_upload(dist.form_fields("bdist_wheel"), dist.wheel_filename, wheel)
    boundary = upload.content_type.split("boundary=")[1]
    assert upload.content_type.startswith("multipart/form-data; ")
    assert upload.body.endswith(f"--{boundary}--\r\n".encode())
    assert b'name=":action"\r\n\r\nfile_upload\r\n' in upload.body
    assert b'name="filetype"\r\n\r\nbdist_wheel\r\n' in upload.body
    digest = hashlib.sha256(wheel).hexdigest().encode()
    assert b'name="sha256_digest"\r\n\r\n' + digest + b"\r\n" in upload.body
    assert f'filename="{dist.wheel_filename}"'.encode() in upload.body
    assert wheel in upload.body


def test_prepared_wheels_are_distinct_projects() -> None:
    uploads = prepare_wheels("bench-distinct", 3)
    assert [u.filename for u in uploads] == [
        f"bench_distinct_{i}-1.0-py3-none-any.whl" for i in range(3)
    ]
    assert len({u.body for u in uploads}) == 3


def test_auth_header_is_basic_token_auth() -> None:
    assert auth_header("pypi-abc") == "Basic X190b2tlbl9fOnB5cGktYWJj"


def test_proc_stat_parsing_survives_odd_command_names() -> None:
    line = "4242 (uwsgi (worker) 1) S 4200 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 9"
    assert parse_proc_stat(line) == (4200, 1234 + 56, 4242)
