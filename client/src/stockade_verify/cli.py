"""``stockade-verify proxy`` and ``stockade-verify check``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from stockade_verify.errors import RefusedError
from stockade_verify.proxy import ProxyServer
from stockade_verify.trust import VerifiedIndex


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stockade-verify"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stockade-verify",
        description="Verify what a Stockade index serves against its signed TUF metadata.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("proxy", "run a local verifying index for pip and uv"),
        ("check", "verify files already downloaded"),
    ):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--index-url", required=True, help="the index's base URL")
        cmd.add_argument(
            "--root",
            required=True,
            type=Path,
            help="the index's root.json, from its operator (`stockade tuf root`)",
        )
        cmd.add_argument("--cache-dir", type=Path, default=_default_cache())
    proxy = sub.choices["proxy"]
    proxy.add_argument("--host", default="127.0.0.1")
    proxy.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    proxy.add_argument(
        "--refresh-interval",
        type=float,
        default=2.0,
        help="seconds between metadata refreshes (default 2)",
    )
    proxy.add_argument("--verbose", action="store_true", help="log every request")
    sub.choices["check"].add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    root = args.root.read_bytes()
    if args.command == "proxy":
        index = VerifiedIndex(args.index_url, root, args.cache_dir, max_age=args.refresh_interval)
        try:
            index.refresh()
        except RefusedError as err:
            # Keep serving: every request verifies again, and refuses while this lasts.
            print(f"Refused by stockade-verify: {err}", file=sys.stderr, flush=True)
        server = ProxyServer((args.host, args.port), index, verbose=args.verbose)
        host, port = server.server_address[:2]
        print(
            f"stockade-verify: serving verified {args.index_url} at http://{host}:{port}/simple/",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        return
    index = VerifiedIndex(args.index_url, root, args.cache_dir, max_age=0)
    failed = 0
    for file in args.files:
        try:
            info = index.verify_local_file(file)
        except RefusedError as err:
            failed += 1
            print(f"FAIL {file}: {err}")
        else:
            print(f"OK   {file} ({info.path})")
    sys.exit(1 if failed else 0)
