"""Benchmark the project name policy: ``python -m bench.names [--existing N] [--checks N]``.

(a) check latency against N existing projects (default 500,000) and the 15,000 protected names
    of the public top-pypi-packages list, through ``check_project_name`` on a throw-away SQLite
    database (goal: p99 under 5 ms);
(b) the share of those 15,000 names the rules would refuse if each were registered anew
    against the others (goal: under 1%);
(c) the share of typosquats generated from the top 100 names that are refused (goal: above
    95%).

The list comes from STOCKADE_NAMES_TOP_LIST or ../shared/data/top-pypi-packages.json (see
docs/names.md for where to get a current one). Timing never goes into a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

DEFAULT_LIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "top-pypi-packages.json"
ALPHABET = string.ascii_lowercase + string.digits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=500_000)
    parser.add_argument("--checks", type=int, default=5_000)
    parser.add_argument("--list", default=os.environ.get("STOCKADE_NAMES_TOP_LIST", DEFAULT_LIST))
    args = parser.parse_args(argv)
    data_dir = tempfile.mkdtemp(prefix="stockade-bench-names-")
    os.environ["STOCKADE_DATA_DIR"] = data_dir
    os.environ.pop("STOCKADE_DATABASE_URL", None)
    os.environ.setdefault("STOCKADE_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "stockade.settings"
    import django

    django.setup()
    from stockade.names.rules import normalize

    text = Path(args.list).read_text(encoding="utf-8")
    from stockade.names.services import parse_protected_list

    top = [normalize(name) for name, _ in parse_protected_list(text)]
    print(f"Protected list: {len(top)} names from {args.list}")
    measure_latency(top, existing=args.existing, checks=args.checks)
    measure_false_refusals(top)
    measure_typosquat_catch(top)
    return 0


# --- (a) latency ----------------------------------------------------------------------------


def synthetic_names(count: int, taken: set[str], rng: random.Random) -> list[str]:
    words = sorted({part for name in taken for part in name.split("-") if len(part) > 2})
    names: list[str] = []
    seen = set(taken)
    while len(names) < count:
        shape = rng.random()
        if shape < 0.5:
            name = f"{rng.choice(words)}-{rng.choice(words)}"
        elif shape < 0.8:
            name = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 14)))
        else:
            name = f"{rng.choice(words)}-{''.join(rng.choices(ALPHABET, k=rng.randint(3, 8)))}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def measure_latency(top: list[str], *, existing: int, checks: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from stockade.names import services
    from stockade.names.index import ultranormalize
    from stockade.packaging.models import Project

    call_command("migrate", verbosity=0)
    rng = random.Random(503)
    names = top[: min(len(top), existing)]
    names += synthetic_names(existing - len(names), set(names), rng)
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, len(names), 5000):
            Project.objects.bulk_create(
                [
                    Project(name=n, normalized_name=n, ultranormalized_name=ultranormalize(n))
                    for n in names[start : start + 5000]
                ]
            )
    services.import_protected_names(pairs=[(name, 0) for name in top])
    print(f"Loaded {len(names)} projects in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    services.load_policy_state()
    print(f"Built the protected index in {(time.perf_counter() - started) * 1000:.0f} ms")
    candidates = [*typosquats(top[:1000], rng)[: checks // 2]]
    candidates += synthetic_names(checks - len(candidates), set(names), rng)
    rng.shuffle(candidates)
    timings, cpu = [], []
    for name in candidates:
        started, started_cpu = time.perf_counter(), time.thread_time()
        services.check_project_name(name=name)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    timings.sort()
    cpu.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    cpu_p99 = cpu[int(len(cpu) * 0.99) - 1]
    verdict = "meets" if p99 < 5 else "misses"
    print(
        f"(a) check latency, {len(names)} existing / {len(top)} protected, {len(timings)} "
        f"checks: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms wall "
        f"(CPU p99 {cpu_p99:.2f} ms) ({verdict} the 5 ms p99 goal)"
    )


# --- (b) honest names refused ---------------------------------------------------------------


def measure_false_refusals(top: list[str]) -> None:
    from django.conf import settings

    from stockade.names.index import ProtectedEntry, ProtectedIndex, ultranormalize
    from stockade.names.rules import evaluate_name, stdlib_names
    from stockade.names.services import configured_policy

    index = ProtectedIndex.build(
        (ProtectedEntry(n, rank) for rank, n in enumerate(top, start=1)),
        min_edit_length=settings.STOCKADE_NAMES_MIN_EDIT_LENGTH,
    )
    skeletons: dict[str, list[str]] = {}
    for name in top:
        skeletons.setdefault(ultranormalize(name), []).append(name)

    class Others:
        def __init__(self, me: str) -> None:
            self.me = me

        def find_same(self, normalized: str) -> str | None:
            return None

        def find_confusable(self, skeleton: str) -> list[str]:
            return [n for n in skeletons.get(skeleton, []) if n != self.me]

    decisions: Counter[str] = Counter()
    rules: Counter[tuple[str, str]] = Counter()
    examples: dict[str, list[str]] = {}
    for name in top:
        rank = index.ranks.pop(name)  # judged against the others only
        verdict = evaluate_name(
            name,
            existing=Others(name),
            protected=index,
            prohibited={},
            stdlib=stdlib_names(),
            policy=configured_policy(),
        )
        index.ranks[name] = rank
        decisions[verdict.decision] += 1
        if verdict.decision != "allow":
            rules[(verdict.decision, verdict.rule)] += 1
            examples.setdefault(verdict.rule, []).append(f"{name}~{verdict.resembles}")
    share = decisions["refuse"] / len(top) * 100
    held = decisions["hold"] / len(top) * 100
    verdict_text = "meets" if share < 1 else "misses"
    print(
        f"(b) top {len(top)} names registered anew against the others: {share:.2f}% refused "
        f"({decisions['refuse']}), {held:.2f}% held ({decisions['hold']}) "
        f"({verdict_text} the 1% goal)"
    )
    for (decision, rule), count in sorted(rules.items(), key=lambda item: -item[1]):
        sample = ", ".join(examples[rule][:3])
        print(f"      {decision:6} {rule:28} {count:5}  e.g. {sample}")


# --- (c) typosquats caught ------------------------------------------------------------------

KEYS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
LOOKALIKES = (("m", "rn"), ("w", "vv"), ("l", "1"), ("o", "0"), ("i", "1"))


def _neighbours(char: str) -> str:
    for row, keys in enumerate(KEYS):
        if char in keys:
            col = keys.index(char)
            near = [
                other[c]
                for r, other in enumerate(KEYS)
                if abs(r - row) <= 1
                for c in range(max(col - 1, 0), min(col + 2, len(other)))
            ]
            return "".join(c for c in near if c != char)
    return ""


def typosquats(names: list[str], rng: random.Random) -> list[str]:
    """Return typos of each name, one or more per kind the issue lists, at random positions."""
    out: list[str] = []
    for name in names:
        kinds: list[str] = []
        doubled = [i for i in range(len(name) - 1) if name[i] == name[i + 1]]
        if doubled:
            i = rng.choice(doubled)
            kinds.append(name[:i] + name[i + 1 :])
        i = rng.randrange(len(name))
        kinds.append(name[:i] + name[i + 1 :])  # omitted
        i = rng.randrange(len(name) + 1)
        kinds.append(name[:i] + rng.choice(string.ascii_lowercase) + name[i:])  # inserted
        if len(name) > 1:
            i = rng.randrange(len(name) - 1)
            kinds.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])  # swapped
        if "-" in name:
            words = name.split("-")
            kinds.append("-".join(reversed(words)))
        i = rng.randrange(len(name))
        near = _neighbours(name[i])
        if near:
            kinds.append(name[:i] + rng.choice(near) + name[i + 1 :])  # keyboard
        for old, new in LOOKALIKES:
            if old in name:
                kinds.append(name.replace(old, new, 1))
                break
        kinds.append(rng.choice(["py", "python-", "py-"]) + name)
        kinds.append(name + rng.choice(["-py", "py", "-python"]))
        kinds.append(name + rng.choice(["2", "3", "-2", "-v2", "-1-0"]))
        out += [kind for kind in kinds if kind != name and kind.strip("-")]
    return out


def measure_typosquat_catch(top: list[str]) -> None:
    from django.conf import settings

    from stockade.names.index import ProtectedEntry, ProtectedIndex
    from stockade.names.rules import evaluate_name, normalize, stdlib_names
    from stockade.names.services import configured_policy

    class NoProjects:
        def find_same(self, normalized: str) -> str | None:
            return None

        def find_confusable(self, skeleton: str) -> list[str]:
            return []

    index = ProtectedIndex.build(
        (ProtectedEntry(n, rank) for rank, n in enumerate(top, start=1)),
        min_edit_length=settings.STOCKADE_NAMES_MIN_EDIT_LENGTH,
    )
    real = set(top)
    generated = {normalize(t) for t in typosquats(top[:100], random.Random(100))}
    # A "typo" that is itself a real, popular project is not a squat; leave those out.
    squats = sorted(generated - real)
    refused = 0
    missed: list[str] = []
    for name in squats:
        verdict = evaluate_name(
            name,
            existing=NoProjects(),
            protected=index,
            prohibited={},
            stdlib=stdlib_names(),
            policy=configured_policy(),
        )
        if verdict.decision == "refuse":
            refused += 1
        else:
            missed.append(f"{name}:{verdict.decision}")
    share = refused / len(squats) * 100
    verdict_text = "meets" if share > 95 else "misses"
    print(
        f"(c) typosquats of the top 100 names refused: {share:.1f}% ({refused} of "
        f"{len(squats)}; {len(generated) - len(squats)} generated names are real projects "
        f"and left out) ({verdict_text} the 95% goal)"
    )
    print(f"      missed e.g. {', '.join(missed[:12])}")


if __name__ == "__main__":
    sys.exit(main())
