"""The bench's pure parts: wrk parsing, ratios and tables, nginx configuration, upload encoding.

No server is started and nothing is timed here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from bench.load import multipart_body
from bench.measure import Measurement, parse_wrk

from bench import nginxconf, report

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40000/simple/bench-project-0500/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.44us  301.12us   9.87ms   90.12%
    Req/Sec    19.70k     1.02k   21.33k    71.00%
  Latency Distribution
     50%  760.00us
     75%  880.00us
     90%    1.02ms
     99%    2.31ms
  196012 requests in 10.00s, 180.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  19601.20
Transfer/sec:     18.01MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors() -> None:
    m = parse_wrk(WRK_OUTPUT)
    assert m.requests_per_second == pytest.approx(19601.2)
    assert m.p50_ms == pytest.approx(0.76)
    assert m.p99_ms == pytest.approx(2.31)
    assert m.requests == 196012
    assert m.errors == 7


def test_parse_wrk_handles_seconds_and_clean_runs() -> None:
    text = WRK_OUTPUT.replace("2.31ms", "1.20s")
    text = text.replace("  Socket errors: connect 0, read 2, write 0, timeout 1\n", "")
    text = text.replace("  Non-2xx or 3xx responses: 4\n", "")
    m = parse_wrk(text)
    assert m.p99_ms == pytest.approx(1200.0)
    assert m.errors == 0


def test_parse_wrk_rejects_output_without_latency_distribution() -> None:
    with pytest.raises(ValueError, match="--latency"):
        parse_wrk("Requests/sec:  100.00\n")


def _m(rps: float, p99: float = 1.0) -> Measurement:
    return Measurement(rps, p99 / 2, p99, int(rps * 10), 0)


def _results() -> report.Results:
    results = report.Results(twine_files=100)
    rates = {
        report.STOCKADE: 15000,
        report.PYPISERVER: 1500,
        report.DEVPI: 600,
        report.NGINX_STOCKADE: 54000,
        report.NGINX_STATIC: 58000,
    }
    for figure in report.READ_FIGURES:
        for server, rps in rates.items():
            results.add_read(figure, server, _m(rps))
    results.twine_seconds = {report.STOCKADE: 10.0, report.PYPISERVER: 5.0, report.DEVPI: 40.0}
    results.load_seconds = {report.STOCKADE: 30.0}
    results.load_average = [0.3, 1.9]
    return results


def test_ratios_and_formatting() -> None:
    assert report.ratio(15000, 600) == pytest.approx(25)
    assert report.ratio(10.0, 40.0, higher_is_better=False) == pytest.approx(4)
    assert report.ratio(None, 5) is None
    assert report.format_ratio(25.0) == "25x"
    assert report.format_ratio(0.931) == "0.93x"
    assert report.format_ratio(None) == "—"
    assert report.format_rate(15000.4) == "15,000"
    assert report.format_ms(2.314) == "2.31"


def test_read_rows_compare_each_server_with_peers_and_nginx() -> None:
    rows = report.read_rows(_results())
    stockade = next(
        r for r in rows if r[0].startswith("/simple/<project>/, c16") and r[1] == "stockade"
    )
    header = report.read_header()
    assert stockade[header.index("req/s")] == "15,000"
    assert stockade[header.index("vs stockade")] == "—"
    assert stockade[header.index("vs devpi")] == "25x"
    assert stockade[header.index("vs pypiserver")] == "10x"
    assert stockade[header.index("vs nginx static")] == "0.26x"
    assert len(rows) == len(report.READ_FIGURES) * 5


def test_keep_best_keeps_the_fastest_run() -> None:
    results = report.Results()
    results.keep_best("project-c16", "stockade", _m(100))
    results.keep_best("project-c16", "stockade", _m(300))
    results.keep_best("project-c16", "stockade", _m(200))
    assert results.rps("project-c16", "stockade") == 300


def test_twine_rows_and_goals() -> None:
    results = _results()
    stockade = report.twine_rows(results)[0]
    assert stockade[:3] == ["stockade", "10.0", "10.0"]
    assert stockade[-1] == "4.00x"  # devpi took four times as long
    statuses = {text: status for text, _, status in report.goal_rows(results)}
    assert all(s == "met" for s in statuses.values())
    results.add_read("index-c64", report.NGINX_STOCKADE, _m(40000))
    assert "MISSED" in {s for _, _, s in report.goal_rows(results)}


def test_markdown_is_recorded_between_markers(tmp_path: Path) -> None:
    section = report.markdown_section(
        _results(),
        date="2026-01-01 00:00 UTC",
        command="python -m bench",
        machine={"CPU": "test"},
        versions={"Python": "3.11"},
        setup=["one line"],
    )
    assert "| /simple/<project>/, c16 | stockade | 15,000 |" in section
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        f"# Benchmarks\n\nprose before\n\n{report.MARK_START}\nold\n{report.MARK_END}\n\nprose after\n"
    )
    report.record(doc, section)
    text = doc.read_text()
    assert "prose before" in text and "prose after" in text
    assert "old" not in text and "15,000" in text
    report.record(doc, section)
    assert doc.read_text() == text


def test_nginx_config_comes_from_the_operator_file(tmp_path: Path) -> None:
    conf = nginxconf.bench_config(
        prefix=tmp_path / "nginx",
        static_root=tmp_path / "static",
        static_port=40001,
        stockade_files=tmp_path / "files",
        stockade_port=40002,
        stockade_upstream="127.0.0.1:40003",
    )
    assert f"root {tmp_path / 'files'};" in conf
    assert "listen 127.0.0.1:40002;" in conf
    assert "server 127.0.0.1:40003;" in conf
    for placeholder in (nginxconf.STORAGE_LINE, nginxconf.UPSTREAM_LINE, nginxconf.LISTEN_LINE):
        assert placeholder not in conf
    # The negotiation and headers of docs/nginx.conf are what the bench measures.
    assert "application/vnd.pypi.simple.v1+json" in conf
    assert "add_header Vary Accept always;" in conf
    assert "try_files $uri$stockade_simple_page @stockade;" in conf


def test_nginx_config_refuses_a_template_that_drifted() -> None:
    drifted = nginxconf.OPERATOR_CONF.read_text().replace(nginxconf.UPSTREAM_LINE, "")
    with pytest.raises(ValueError, match="exactly once"):
        nginxconf.operator_config(
            files_dir=Path("/x"), listen="127.0.0.1:1", upstream="127.0.0.1:2", template=drifted
        )


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed",
)
def test_nginx_accepts_the_rendered_config(tmp_path: Path) -> None:
    prefix = tmp_path / "nginx"
    conf = prefix / "nginx.conf"
    prefix.mkdir()
    conf.write_text(
        nginxconf.bench_config(
            prefix=prefix,
            static_root=tmp_path,
            static_port=40001,
            stockade_files=tmp_path,
            stockade_port=40002,
            stockade_upstream="127.0.0.1:40003",
            user="root" if Path("/proc/self").owner() == "root" else None,
        )
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-q", "-e", "stderr", "-p", str(prefix), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_multipart_body_repeats_list_fields_and_carries_the_file() -> None:
    body, content_type = multipart_body(
        {":action": "file_upload", "classifiers": ["A :: B", "C :: D"]},
        "x-1.0-py3-none-any.whl",
        b"PK\x03\x04",
    )
    boundary = content_type.split("boundary=")[1]
    assert body.count(f"--{boundary}\r\n".encode()) == 4
    assert b'name="classifiers"\r\n\r\nA :: B' in body
    assert b'name="classifiers"\r\n\r\nC :: D' in body
    assert b'filename="x-1.0-py3-none-any.whl"' in body and b"PK\x03\x04" in body
    assert body.endswith(f"--{boundary}--\r\n".encode())
