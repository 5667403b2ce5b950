"""The client address of a request, as the audit trail and the login throttle record it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address: REMOTE_ADDR, or behind our TLS proxy the address it forwarded.

    With BEHIND_TLS_PROXY, each of the TRUSTED_PROXY_COUNT proxies in front of the app appends the
    address it received the request from to X-Forwarded-For, so the element TRUSTED_PROXY_COUNT from
    the right is the one our outermost proxy saw: the client. Elements further left are whatever the
    client sent and are never used. Without BEHIND_TLS_PROXY the header is ignored entirely.
    """
    remote = _valid(request.META.get("REMOTE_ADDR"))
    if not settings.BEHIND_TLS_PROXY:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote


def _valid(address: str | None) -> str | None:
    """Return the address if it is an IPv4/IPv6 address (port-less), else None."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None
