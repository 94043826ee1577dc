"""What each provider's platform documents as lost or changed, with the reason.

The conformance suite expects exactly these differences from ``local`` — never a
skip. A provider absent from a table loses nothing there.
"""

from __future__ import annotations

NO_PATH = "no-path"
NO_COOKIE = "no-cookie"
NO_AUTHORIZATION = "no-authorization"
QUERY_REPEATS_JOINED = "query-repeats-joined"
SET_COOKIE_JOINED = "set-cookie-joined"

#: provider → {loss: reason}
LOSSES: dict[str, dict[str, str]] = {
    "alibaba": {
        QUERY_REPEATS_JOINED: "an FC 3.0 HTTP-trigger event joins a repeated query key's values "
        "with ',' (alibaba-fc §2.1); `?tags=a,b` is the common case, so polyfaas keeps the join",
        SET_COOKIE_JOINED: "the HTTP-trigger result maps one value per header name (alibaba-fc "
        "§2.2): several Set-Cookie reach the client joined into one",
    },
    "yandex": {
        NO_PATH: "a direct call to the function URL carries no path: the router sends url ''",
        NO_COOKIE: "the router strips Cookie from direct calls (yandex-functions §1.3)",
        NO_AUTHORIZATION: "the router strips Authorization from direct calls (§1.3)",
    },
}

#: Status the caller gets when the handler raises, and a header that marks it.
UNHANDLED: dict[str, tuple[int, str | None]] = {
    "local": (500, None),
    "alibaba": (502, "X-Fc-Error-Type"),
    "alibaba-wsgi": (502, "X-Fc-Error-Type"),
    "alibaba-custom": (502, "X-Fc-Error-Type"),
    "yandex": (502, "X-Function-Error"),
    "yandex-gateway": (502, "X-Function-Error"),
}

#: The largest request body each platform takes (bytes), and its answer beyond it.
BODY_LIMITS: dict[str, tuple[int, int]] = {
    # Yandex limits the request JSON (the envelope, body base64'd) to 3.5 MB.
    "yandex": (2 * 1024 * 1024, 413),
    "yandex-gateway": (2 * 1024 * 1024, 413),
}


def loses(provider: str, loss: str) -> bool:
    """Whether ``provider`` documents ``loss``."""
    return loss in LOSSES.get(provider, {})
