"""``python -m bench.tuf``: what TUF signing costs Stockade, measured.

1. Metadata a client fetches at 100,000 targets, for several bin counts: the snapshot grows
   with the number of bins, each bin with the targets per bin. Cold install of 20 packages (no
   metadata cached) and warm (cached, after 10 other uploads). Pure computation, no server.
2. Uploads per second with 16 concurrent uploaders, signing on versus off (goal: at least 80%).
3. Time from upload accepted to signed and visible to a client, p50 and p99 (goal p99 < 2 s).
4. ``pip install`` of 20 packages through ``stockade-verify proxy`` versus direct, warm
   (goal: under 10% slower).

Each server run starts a fresh ``stockade serve`` (tests/e2e/harness.py) with 2FA off.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from base64 import b64encode
from pathlib import Path

import urllib3
from securesystemslib.signer import CryptoSigner

from stockade.tuf import metadata

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "client" / "src"))


# -- 1. metadata sizes ------------------------------------------------------------------------


def synthetic_targets(count: int, rng: random.Random) -> dict[str, list[tuple[str, tuple]]]:
    """``count`` targets as ~5 per project: two pages, a wheel, its metadata, an sdist."""
    projects: dict[str, list[tuple[str, tuple]]] = {}
    for i in range(count // 5):
        name = f"project-{i}"
        items = []
        for page in ("index.html", "index.json"):
            items.append((f"simple/{name}/{page}", (2000, {"sha256": rng.randbytes(32).hex()})))
        for filename in (f"project_{i}-1.0-py3-none-any.whl", f"project_{i}-1.0.tar.gz"):
            b = rng.randbytes(32).hex()
            path = f"packages/{b[:2]}/{b[2:4]}/{b[4:]}/{filename}"
            hashes = {"sha256": rng.randbytes(32).hex(), "blake2b-256": b}
            items.append((path, (rng.randint(2000, 10**6), hashes)))
            if filename.endswith(".whl"):
                items.append((f"{path}.metadata", (900, {"sha256": rng.randbytes(32).hex()})))
        projects[name] = items
    return projects


def metadata_sizes(bins: int, projects, rng: random.Random) -> dict[str, float]:
    signer = CryptoSigner.generate_ed25519()
    targets = metadata.new_targets(version=1, online_key=signer.public_key, bins=bins)
    succinct = targets.signed.delegations.succinct_roles
    contents: dict[str, dict] = {name: {} for name in metadata.bin_names(targets.signed)}
    for items in projects.values():
        for path, value in items:
            contents[succinct.get_role_for_target(path)][path] = value
    sizes = {}
    for name, entries in contents.items():
        md = metadata.sign(metadata.new_bin(version=7, targets=entries), [signer])
        sizes[name] = len(metadata.serialize(md))
    snapshot = metadata.new_snapshot(
        version=123456, meta={"targets.json": 3, **{f"{n}.json": 7 for n in contents}}
    )
    snapshot_size = len(metadata.serialize(metadata.sign(snapshot, [signer])))
    timestamp = metadata.new_timestamp(version=123456, snapshot_version=123456)
    timestamp_size = len(metadata.serialize(metadata.sign(timestamp, [signer])))
    targets_size = len(metadata.serialize(metadata.sign(targets, [signer])))
    root_size = 1500  # measured: a root with 3 root keys, 2 targets keys and the online key

    names = list(projects)
    wanted = rng.sample(names, 20)
    needed = {
        succinct.get_role_for_target(path)
        for name in wanted
        for path, _ in projects[name]
        if path.endswith((".json", ".whl", ".metadata"))
    }
    changed = {
        succinct.get_role_for_target(path)
        for name in rng.sample(names, 10)
        for path, _ in projects[name]
    }
    cold = root_size + timestamp_size + snapshot_size + targets_size
    cold += sum(sizes[n] for n in needed)
    warm = timestamp_size + snapshot_size + sum(sizes[n] for n in needed & changed)
    return {
        "bins": bins,
        "snapshot": snapshot_size,
        "bin": statistics.mean(sizes.values()),
        "cold": cold,
        "warm": warm,
        "bins fetched": len(needed),
    }


def run_sizes(total: int) -> None:
    rng = random.Random(458)
    projects = synthetic_targets(total, rng)
    print(f"\nMetadata fetched by a client, {total:,} targets, installing 20 packages")
    print(
        f"{'bins':>6} {'snapshot':>10} {'mean bin':>10} {'cold':>10} {'warm':>10} {'bins/cold':>10}"
    )
    for bins in (64, 256, 1024, 4096, 16384):
        row = metadata_sizes(bins, projects, rng)
        print(
            f"{row['bins']:>6} {row['snapshot'] / 1024:>9.1f}K {row['bin'] / 1024:>9.1f}K "
            f"{row['cold'] / 1024:>9.1f}K {row['warm'] / 1024:>9.1f}K {row['bins fetched']:>10}"
        )


# -- 2-4. against a running index ---------------------------------------------------------------


def _start(tmp: Path, name: str, **env: str):
    from tests.e2e.harness import start_index

    index = start_index(tmp / name, STOCKADE_REQUIRE_2FA="off", **env)
    index.create_user("bench")
    return index, index.create_token("bench")


def _upload_bodies(prefix: str, count: int) -> list[tuple[bytes, str, str]]:
    from tests.distributions import Dist

    bodies = []
    for i in range(count):
        dist = Dist(f"{prefix}-{i}")
        wheel = dist.wheel()
        fields = dist.form_fields("bdist_wheel")
        fields["sha256_digest"] = hashlib.sha256(wheel).hexdigest()
        items = [(k, v) for k, vs in fields.items() for v in ([vs] if isinstance(vs, str) else vs)]
        items.append(("content", (dist.wheel_filename, wheel, "application/octet-stream")))
        body, content_type = urllib3.encode_multipart_formdata(items)
        blake = hashlib.blake2b(wheel, digest_size=32).hexdigest()
        path = f"packages/{blake[:2]}/{blake[2:4]}/{blake[4:]}/{dist.wheel_filename}"
        bodies.append((body, content_type, path))
    return bodies


def _upload_all(index, token: str, bodies, workers: int, on_done=None) -> float:
    auth = "Basic " + b64encode(f"__token__:{token}".encode()).decode()
    http = urllib3.PoolManager(maxsize=workers)
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            upload_until_done()
        except BaseException as err:  # reported by the caller's thread below
            errors.append(err)

    def upload_until_done() -> None:
        while True:
            with lock:
                if not queue:
                    return
                _, (body, content_type, path) = queue.pop()
            reply = http.request(
                "POST",
                index.upload_url,
                body=body,
                headers={"Content-Type": content_type, "Authorization": auth},
                retries=False,
            )
            if reply.status != 200:
                raise RuntimeError(f"upload failed: {reply.status} {reply.data[:200]!r}")
            if on_done:
                on_done(path, time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.monotonic() - start


def run_uploads(tmp: Path, count: int, workers: int, rounds: int = 3) -> None:
    """Both indexes run side by side and take turns, so that other load on the machine hits
    both alike; the median round of each counts."""
    indexes = {
        label: _start(tmp, label.replace(" ", "-"), STOCKADE_TUF=tuf)
        for label, tuf in (("signing off", "false"), ("signing on", "true"))
    }
    rates: dict[str, list[float]] = {label: [] for label in indexes}
    try:
        for label, (index, token) in indexes.items():
            _upload_all(
                index, token, _upload_bodies(f"warmup-{label.split()[1]}", workers), workers
            )
        for round_ in range(rounds):
            for label, (index, token) in indexes.items():
                bodies = _upload_bodies(f"rate{round_}-{label.split()[1]}", count)
                rates[label].append(count / _upload_all(index, token, bodies, workers))
    finally:
        for index, _ in indexes.values():
            index.close()
    medians = {label: statistics.median(values) for label, values in rates.items()}
    for label, value in medians.items():
        print(f"{label:>12}: {value:6.1f} uploads/s (median of {rounds} rounds of {count} "
              f"wheels, {workers} uploaders)")  # fmt: skip
    ratio = medians["signing on"] / medians["signing off"]
    print(f"{'ratio':>12}: {ratio:6.1%} of unsigned throughput (goal: at least 80%)")


def run_latency(tmp: Path, count: int, workers: int) -> None:
    """Watch /tuf/ as a client would (timestamp -> snapshot -> bin) and note when each
    uploaded file first appears in a bin. Signatures are not checked here: this measures the
    publisher, not the client's CPU."""
    import json

    from tuf.api.metadata import Metadata, Targets

    index, token = _start(tmp, "latency")
    http = urllib3.PoolManager()

    def get(name: str) -> bytes:
        return http.request("GET", f"{index.url}/tuf/{name}").data

    try:
        snapshot = json.loads(
            get(
                f"{json.loads(get('timestamp.json'))['signed']['meta']['snapshot.json']['version']}.snapshot.json"
            )
        )
        targets_version = snapshot["signed"]["meta"]["targets.json"]["version"]
        targets = Metadata[Targets].from_bytes(get(f"{targets_version}.targets.json"))
        succinct = targets.signed.delegations.succinct_roles
        accepted: dict[str, float] = {}
        visible: dict[str, float] = {}
        done = threading.Event()

        def observe() -> None:
            bins: dict[str, tuple[int, set[str]]] = {}
            checked: dict[str, int] = {}  # path -> snapshot version it was last looked for in
            deadline = None
            while len(visible) < len(accepted) or not done.is_set():
                if done.is_set():
                    deadline = deadline or time.monotonic() + 30
                    if time.monotonic() > deadline:
                        return
                timestamp = json.loads(get("timestamp.json"))
                version = timestamp["signed"]["meta"]["snapshot.json"]["version"]
                now = time.monotonic()
                todo = [p for p in list(accepted) if p not in visible and checked.get(p) != version]
                if todo:
                    meta = json.loads(get(f"{version}.snapshot.json"))["signed"]["meta"]
                for path in todo:
                    checked[path] = version
                    name = succinct.get_role_for_target(path)
                    bin_version = meta[f"{name}.json"]["version"]
                    if bins.get(name, (0, set()))[0] != bin_version:
                        body = json.loads(get(f"{bin_version}.{name}.json"))
                        bins[name] = (bin_version, set(body["signed"]["targets"]))
                    if path in bins[name][1]:
                        visible[path] = now
                time.sleep(0.005)

        observer = threading.Thread(target=observe)
        observer.start()
        _upload_all(
            index, token, _upload_bodies("latency", count), workers,
            on_done=lambda path, at: accepted.__setitem__(path, at),
        )  # fmt: skip
        done.set()
        observer.join()
        delays = sorted(max(0.0, visible[p] - accepted[p]) for p in accepted if p in visible)
        missing = len(accepted) - len(delays)
        p50 = delays[len(delays) // 2]
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        print(f"upload accepted -> signed and visible: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms over {len(delays)} uploads, {missing} never seen "
              "(goal p99 < 2 s)")  # fmt: skip
    finally:
        index.close()


def run_proxy_install(tmp: Path, packages: int, repeats: int) -> None:
    from tests.e2e.clients import bare_venv, pip
    from tests.e2e.harness import isolated_client_env
    from tests.e2e.tuf_helpers import start_proxy

    index, token = _start(tmp, "install")
    try:
        names = [f"install-{i}" for i in range(packages)]
        _upload_all(index, token, _upload_bodies("install", packages), 4)
        root = tmp / "root.json"
        root.write_text(index.cli("tuf", "root").stdout)
        proxy = start_proxy(index, root, tmp / "proxy", interval="2")
        env = isolated_client_env()
        try:
            timings: dict[str, list[float]] = {"direct": [], "proxy": []}
            for i in range(repeats + 1):  # the first round warms the proxy's metadata cache
                for label, url in (("direct", index.simple_url), ("proxy", proxy.simple_url)):
                    python = bare_venv(tmp / f"venv-{label}-{i}")
                    start = time.monotonic()
                    pip(python, "install", "--no-cache-dir", "--index-url", url, *names, env=env)
                    if i:
                        timings[label].append(time.monotonic() - start)
        finally:
            proxy.stop()
        direct, proxied = (statistics.median(timings[k]) for k in ("direct", "proxy"))
        print(f"pip install {packages} packages: direct {direct:.2f} s, through the proxy "
              f"{proxied:.2f} s ({proxied / direct - 1:+.1%}; goal under +10%)")  # fmt: skip
    finally:
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tuf", description=__doc__)
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--uploads", type=int, default=160)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only", choices=["sizes", "uploads", "latency", "install"], action="append"
    )
    args = parser.parse_args()
    parts = args.only or ["sizes", "uploads", "latency", "install"]
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    with tempfile.TemporaryDirectory(prefix="bench-tuf-") as tmp_name:
        tmp = Path(tmp_name)
        if "sizes" in parts:
            run_sizes(args.targets)
        if "uploads" in parts:
            run_uploads(tmp, args.uploads, args.workers)
        if "latency" in parts:
            run_latency(tmp, args.uploads, args.workers)
        if "install" in parts:
            run_proxy_install(tmp, 20, args.repeats)
    urllib.request.urlcleanup()


if __name__ == "__main__":
    main()
