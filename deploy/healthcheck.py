"""Ask this machine's web process for /healthz; exit 0 when it answers 200, 1 otherwise (a container's HEALTHCHECK,
a systemd timer, a monitoring agent). Only the standard library: it starts in a few milliseconds.

The request goes to gunicorn's own address (GUNICORN_BIND, else PORT, else 127.0.0.1:8000) with the site's first
host name from ALLOWED_HOSTS, so Django accepts it, and ``X-Forwarded-Proto: https``, so that behind a TLS proxy
(SECURE_PROXY_SSL_HEADER=1) it is not redirected to HTTPS.
"""

import os
import sys
import urllib.error
import urllib.request


def address() -> str:
    bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}"
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"{host}:{port}"


def main() -> int:
    site = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    request = urllib.request.Request(
        f"http://{address()}/healthz",
        headers={"Host": site, "X-Forwarded-Proto": "https", "X-Request-ID": "healthcheck"},
    )
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", 5))) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(errors="replace"), error.code
    except OSError as error:
        print(f"healthz: no answer: {error}", file=sys.stderr)
        return 1
    print(f"healthz: {status} {body}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
