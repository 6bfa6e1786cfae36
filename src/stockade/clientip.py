"""The client's IP address as Stockade sees it: one rule for rate limits and the audit log.

Behind a reverse proxy every request comes from the proxy's address. Operators then set
``STOCKADE_BEHIND_PROXY=true`` and :func:`client_ip` takes the address the proxy appended to
``X-Forwarded-For`` (the last entry: the first hop's view of the client). Entries further left
were sent by the client and can be forged, so they are never used.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest


def normalize_ip(raw: str) -> str | None:
    """Return ``raw`` in its canonical text form, or None when it is not an IP address.

    An IPv4-mapped IPv6 address (``::ffff:192.0.2.1``) becomes the IPv4 address it maps.
    """
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.compressed


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address in canonical form, or None when it is not a valid address.

    ``REMOTE_ADDR`` unless ``settings.STOCKADE_BEHIND_PROXY`` is set; then the last
    ``X-Forwarded-For`` entry, the one the proxy in front of the server appended.
    """
    if getattr(settings, "STOCKADE_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return normalize_ip(hops[-1])
    return normalize_ip(request.META.get("REMOTE_ADDR", ""))
