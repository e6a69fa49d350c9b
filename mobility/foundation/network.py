"""The client's address: ``client_ip(request)``, the one answer to "who is asking" for every limit that counts per
client (django-axes' login lockout, the verification page's rate limit, the API's throttle of anonymous callers).

Without ``TRUSTED_PROXIES`` it is the connection's peer (``REMOTE_ADDR``) and ``X-Forwarded-For`` is ignored: it is
whatever the client writes. Behind proxies (docs/deployment.md: a TLS proxy in front of gunicorn) the peer is the
proxy, so every visitor would be one address; ``TRUSTED_PROXIES`` lists them, from the client's side to the one that
connects to the app (``127.0.0.1`` for nginx on the same machine; ``10.0.0.0/8, 127.0.0.1`` for a load balancer then
nginx), each an address, a network (CIDR) or a prefix. The chain is ``X-Forwarded-For`` followed by the peer; when
its last entries are those proxies, in that order, the entry just before them is the client, whatever the client put
further left. A peer that is not the last trusted proxy (a forged header sent straight to the app) gets its own
address. python-ipware (the engine of django-ipware, which django-axes uses too) parses the chain and matches it.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

_FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


@functools.cache
def _matcher(proxies: tuple[str, ...]) -> IpWare:
    # Built once per configuration: IpWare compiles the proxy list (and refuses a malformed entry) when it is made.
    return IpWare(precedence=(_FORWARDED_FOR,), leftmost=True, proxy_list=list(proxies))


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client behind the trusted proxies, as text; ``REMOTE_ADDR`` when no proxy is trusted or the
    request did not come through them; None when there is no address at all (django-axes stores it in an ``inet``
    column on PostgreSQL, which takes an address or NULL)."""
    peer = (request.META.get("REMOTE_ADDR") or "").strip()
    proxies = tuple(settings.TRUSTED_PROXIES)
    if proxies and peer:
        forwarded = request.META.get(_FORWARDED_FOR) or ""
        chain = f"{forwarded}, {peer}" if forwarded.strip() else peer
        ip, through_proxies = _matcher(proxies).get_client_ip({_FORWARDED_FOR: chain}, strict=False)
        if ip is not None and through_proxies:
            return str(ip)
    return peer or None


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key function: the client's address (requests without one share a count)."""
    return client_ip(request) or "unknown"
