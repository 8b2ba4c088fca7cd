"""Guards against browsers and unvouched peers, decided before a view runs and before a body is read.

A service open on loopback (no API token exists) answers anything that reaches its port, and any web
page the user visits can send requests there. So:

- **Host.** A DNS-rebinding page reaches the port under its own name. While the service is open,
  only loopback names (``localhost``, ``*.localhost``, loopback addresses) and the names given with
  ``--allowed-host`` are served; a service bound to loopback, or given ``--allowed-host``, checks
  every request (421 otherwise).
- **Cross-site writes.** A state-changing request from another site (``Sec-Fetch-Site`` of
  ``cross-site`` or ``same-site``, or an ``Origin`` that is not the request's own) is refused (403).
  Bodies of JSON endpoints must say ``Content-Type: application/json`` (a type no page can send
  across origins without a CORS preflight, which this service never grants). Endpoints taking
  uploads accept other types only with an ``Authorization`` header or proof of the same origin.
- **The peer.** Open mode serves a request only when its real peer address is loopback, it carries
  no proxy header, and no trusted proxy is configured; anything else needs an API token.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Request

from .config import is_loopback, is_loopback_address
from .service import ServiceError, Unauthorized

__all__ = [
    "CrossSiteRequest",
    "HostPolicy",
    "MisdirectedRequest",
    "UnsupportedMediaType",
    "check_host",
    "check_upload",
    "check_write",
    "client_address",
    "local_peer_problem",
]

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
JSON_TYPE = "application/json"
_ENVIRON_KEYS = {name: "HTTP_" + name.upper().replace("-", "_") for name in PROXY_HEADERS}
_DEFAULT_PORTS = {"http": 80, "https": 443}
REMEMBERED = 1024
"""How many verdicts on Host values and peer addresses are kept (a hostile variety is judged anew)."""
_VERDICTS: dict[Hashable, bool] = {}


def _remembered(key: Hashable, judge: Callable[[], bool]) -> bool:
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = judge()
        if len(_VERDICTS) < REMEMBERED:
            _VERDICTS[key] = verdict
    return verdict


class MisdirectedRequest(ServiceError):
    """A ``Host`` that is not a name of this service (421): a DNS-rebinding page, or a missing ``--allowed-host``."""

    status = 421


class CrossSiteRequest(ServiceError):
    """A state-changing request sent by another site's page (403)."""

    status = 403


class UnsupportedMediaType(ServiceError):
    """A body that is not declared JSON where JSON is required (415)."""

    status = 415


class BadBodyType(ServiceError):
    """A body that is not declared JSON, on an API whose contract answers 400 for a bad body."""


class NotLocal(Unauthorized):
    """A request that open mode cannot vouch for (401): it needs an API token."""


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a ``Host`` header (IPv6 without brackets, lowercased); None if malformed."""
    try:
        parts = urlsplit(f"//{value}")
        return (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return None


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` names the service answers to.

    ``names`` are the ``--allowed-host`` names (lowercase, no port) and the bound address; ``any``
    is ``--allowed-host '*'``, which lifts the check for requests with an API token only.
    ``always`` says whether requests with an API token are checked too (bound to loopback, or
    names given).
    """

    names: frozenset[str]
    any: bool
    always: bool

    @classmethod
    def build(cls, allowed_hosts: Iterable[str], bound_host: str, *, loopback: bool) -> HostPolicy:
        """The policy for ``--allowed-host`` values and the ``--host`` the service listens on."""
        given = {name.strip().lower().rstrip(".") for name in allowed_hosts if name.strip()}
        wildcard = "*" in given
        names = given - {"*"}
        bound = bound_host.strip("[]").lower()
        if bound and not (_is_ip(bound) and ipaddress.ip_address(bound).is_unspecified):
            names.add(bound)
        return cls(frozenset(names), wildcard, loopback or bool(given))

    def allows(self, host: str | None, *, open_mode: bool) -> bool:
        """Whether a request with this ``Host`` header may be served (``open_mode``: without a token).

        Remembered per Host value (the first :data:`REMEMBERED` ones): parsing one costs tens of
        microseconds, a good part of a request.
        """
        return _remembered((self, host, open_mode), lambda: self._judge(host, open_mode))

    def _judge(self, host: str | None, open_mode: bool) -> bool:
        if not host:
            return False
        split = _split_host(host)
        if split is None:
            return False
        name = split[0]
        if not name:
            return False
        return is_loopback(name) or name in self.names or (self.any and not open_mode)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _same_origin(origin: str, host: str | None, scheme: str) -> bool:
    """True when ``Origin`` names the host (and port) the request was sent to."""
    if not host:
        return False
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    split = _split_host(host)
    if split is None or not parts.hostname:
        return False
    name, port = split
    if parts.hostname.rstrip(".") != name:
        return False
    if port is None:
        # No port in Host: the default port of the scheme the browser used (a TLS proxy may stand between).
        return origin_port == _DEFAULT_PORTS.get(parts.scheme) or origin_port == _DEFAULT_PORTS.get(scheme)
    return origin_port == port


def _has_body(request: Request) -> bool:
    headers = request.headers
    return bool(request.content_length) or "Transfer-Encoding" in headers or "Content-Type" in headers


def check_host(request: Request, policy: HostPolicy) -> None:
    """Refuses a ``Host`` that is not a name of this service, when the policy checks every request."""
    if policy.always and not policy.allows(request.host, open_mode=False):
        raise MisdirectedRequest(
            f"Host {request.host!r} is not a name of this service: add it with --allowed-host "
            "(or PYOTP_RS_ALLOWED_HOSTS)"
        )


def check_write(request: Request, *, takes_uploads: bool, json_status: int) -> None:
    """Refuses a state-changing request that a page of another origin sent, or a body not declared JSON.

    ``takes_uploads``: the view reads files (multipart or raw bodies) besides JSON; such bodies are
    checked by :func:`check_upload` once the caller is known. ``json_status``: the status of a body
    that is not JSON (415, or 400 where an API's published contract says so).
    """
    if request.method not in WRITE_METHODS:
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site in ("cross-site", "same-site"):
        raise CrossSiteRequest(f"Cross-site request refused (Sec-Fetch-Site: {site})")
    origin = request.headers.get("Origin")
    if origin is not None and not _same_origin(origin, request.host, request.scheme):
        raise CrossSiteRequest(f"Cross-origin request refused (Origin: {origin})")
    if takes_uploads or not _has_body(request) or request.mimetype == JSON_TYPE:
        return
    error = UnsupportedMediaType if json_status == 415 else BadBodyType
    raise error(f"Content-Type must be {JSON_TYPE}, not {request.mimetype or 'missing'!r}")


def check_upload(request: Request) -> None:
    """An upload that is not JSON needs an ``Authorization`` header or proof of the same origin.

    A page of another origin can send a form or a ``text/plain`` body without asking first, but it
    cannot add an ``Authorization`` header, and its browser names its origin (checked by
    :func:`check_request`).
    """
    if request.method not in WRITE_METHODS or not _has_body(request) or request.mimetype == JSON_TYPE:
        return
    same_origin = "Origin" in request.headers or request.headers.get("Sec-Fetch-Site") == "same-origin"
    if "Authorization" not in request.headers and not same_origin:
        raise CrossSiteRequest(
            "Uploads need an 'Authorization: Bearer' header or a same-origin 'Origin' header "
            '(or send JSON, {"data": "..."}, to import from a script)'
        )


def _loopback_peer(address: str) -> bool:
    return _remembered(address, lambda: is_loopback_address(address))


def local_peer_problem(request: Request, policy: HostPolicy) -> ServiceError | None:
    """Why open mode cannot serve this request, or None when its peer is vouched for as this machine."""
    if not policy.allows(request.host, open_mode=True):
        return MisdirectedRequest(
            f"Host {request.host!r} is not a loopback name: this service has no API token, so it answers "
            "only to localhost, 127.0.0.1 and [::1] (or names given with --allowed-host)"
        )
    create = (
        "create an API token with 'pyotp-rs api-token create NAME' and send 'Authorization: Bearer <token>'"
    )
    if not _loopback_peer(request.remote_addr or ""):
        return NotLocal(
            f"Authorization required: this service answers without a token only on loopback; {create}"
        )
    environ = request.environ
    forwarded = [name for name in PROXY_HEADERS if _ENVIRON_KEYS[name] in environ]
    if forwarded:
        return NotLocal(
            f"Authorization required: the request came through a proxy ({', '.join(forwarded)}); {create}"
        )
    return None


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address: the peer's, or the last ``X-Forwarded-For`` hop a trusted proxy added."""
    peer = request.remote_addr or ""
    if peer in trusted_proxies:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return peer
