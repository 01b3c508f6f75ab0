"""Who the client is behind trusted proxies: ProxyFix, outermost, when REGISTRY_TRUSTED_PROXIES says how many.

Outermost, in front of the response cache, so that everything after it sees one client: request.remote_addr (the
login throttle and security events key on it) and the scheme (the cache keys answers by URL, and the Atom feed's
links are absolute). Only X-Forwarded-For and X-Forwarded-Proto are believed, each as the last ``n`` values (every
proxy appends its own peer; a value a client made up sits further left and is never read). X-Forwarded-Host,
-Port and -Prefix are not: the Host header nginx passes on is the one the client sent, so a made-up
X-Forwarded-Host can neither poison a cached answer nor change a link.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the app in ProxyFix for REGISTRY_TRUSTED_PROXIES proxies; with 0 (the default), the peer is the client."""
    n = app.config["REGISTRY_SETTINGS"].trusted_proxies
    if n < 0:
        raise ValueError(f"REGISTRY_TRUSTED_PROXIES must be 0 or more, not {n}")
    if n:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0,  # type: ignore[method-assign]
                                x_prefix=0)
