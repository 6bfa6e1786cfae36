"""The uWSGI command line that ``stockade serve`` execs."""

from pathlib import Path

from stockade.server.management.commands.serve import periodic_jobs, uwsgi_arguments


def test_serve_uses_the_http11_socket_and_lazy_apps():
    arguments = uwsgi_arguments(host="127.0.0.1", port=8000, workers=2, threads=4)
    assert arguments[arguments.index("--http11-socket") + 1] == "127.0.0.1:8000"
    assert "--lazy-apps" in arguments
    assert arguments[arguments.index("--processes") + 1] == "2"


def test_periodic_jobs_include_audit_maintenance_and_tuf_refresh(settings):
    settings.STOCKADE_TUF_ENABLED = True
    jobs = periodic_jobs(Path("/venv/bin/stockade"))
    commands = [jobs[i + 1] for i in range(0, len(jobs), 2)]
    assert all(jobs[i] == "--unique-cron" for i in range(0, len(jobs), 2))
    assert "0 3 -1 -1 -1 /venv/bin/stockade audit maintain" in commands
    assert "-30 -1 -1 -1 -1 /venv/bin/stockade tuf refresh" in commands


def test_no_tuf_refresh_when_signing_is_off(settings):
    settings.STOCKADE_TUF_ENABLED = False
    assert not any("tuf" in part for part in periodic_jobs(Path("/s")))
