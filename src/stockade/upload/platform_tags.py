"""Which wheel platform tags the index accepts.

Like PyPI, only tags that name a platform an installer can actually match are allowed: a wheel
tagged ``linux_x86_64`` is built against one machine's libraries and would break elsewhere, so it
is refused in favour of manylinux/musllinux tags.
"""

from __future__ import annotations

import re

_EXACT = frozenset(
    {
        "any",
        "win32",
        "win_amd64",
        "win_arm64",
        "win_ia64",
        "linux_armv6l",
        "linux_armv7l",
    }
)
_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"macosx_\d+_\d+_(x86_64|arm64|universal2|intel|fat64|fat32|fat|universal|i386|ppc64|ppc)",
        r"manylinux1_(x86_64|i686)",
        r"manylinux2010_(x86_64|i686)",
        r"manylinux2014_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x)",
        r"manylinux_\d+_\d+_(x86_64|i686|aarch64|armv7l|ppc64|ppc64le|s390x|riscv64|loongarch64)",
        r"musllinux_\d+_\d+_(x86_64|i686|aarch64|armv7l|ppc64le|s390x|riscv64|loongarch64)",
        r"ios_\d+_\d+_(arm64|x86_64)_(iphoneos|iphonesimulator)",
        r"android_\d+_(armeabi_v7a|arm64_v8a|x86|x86_64)",
        r"pyodide_\d+_\d+_wasm32",
    )
)


def is_valid_platform_tag(tag: str) -> bool:
    return tag in _EXACT or any(p.fullmatch(tag) for p in _PATTERNS)
