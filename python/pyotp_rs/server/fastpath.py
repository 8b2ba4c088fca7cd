"""``GET /get-totp/<username>`` answered in front of Flask, when every check of the route passes.

Profiled, Flask's work around this route (the request context, URL matching, the hooks, the
``Response`` object and its headers, the teardown) cost more CPU than the route itself: the checks,
the one statement that reads the API token and the tokens' generation, the code, and the audit
entry. So the application's WSGI callable first tries this path: it makes the same checks in the
same order with the same functions (:mod:`.guards`, :class:`~.access.Gate`, :func:`~.team.code_body`),
writes the same audit entry before it answers, and writes the headers the Flask route writes. When
any check refuses, or anything else goes wrong, it answers nothing and the request goes to Flask,
which makes every check again and answers (401, 403, 404, 421, 500) in the API's shape. So this path
serves only successful reads, byte for byte as Flask serves them.

A path is taken for this route only when Flask's own URL map routes it there: each ``PATH_INFO``
is matched once by the map and the result remembered (the first :data:`~.guards.REMEMBERED` paths;
others are matched each time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Request
from werkzeug.exceptions import HTTPException

from . import guards, team
from .access import Gate
from .audit import Trail
from .usercache import UserCodes

__all__ = ["FastCodes"]

ENDPOINT = "team.get_totp"
PREFIX = "/get-totp/"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FastCodes:
    """The WSGI callable of the application: ``GET /get-totp/<username>`` here, the rest to Flask."""

    def __init__(self, app: Flask, flask_app: WSGIApp, hosts: guards.HostPolicy, gate: Gate) -> None:
        self._app = app
        self.flask = flask_app
        """Flask's own WSGI callable, which answers every request this path leaves."""
        self._hosts = hosts
        self._gate = gate
        self._users: UserCodes = app.extensions["pyotp_rs_users"]
        self._trusted: frozenset[str] = app.config["TRUSTED_PROXIES"]
        self._routes: dict[str, str | None] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and PREFIX in environ.get("PATH_INFO", ""):
            body = self._answer(environ)
            if body is not None:
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store"),
                        ("X-Content-Type-Options", "nosniff"),
                    ],
                )
                return [body]
        return self.flask(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> bytes | None:
        """The body of a successful read, its audit entry written; None to let Flask answer."""
        username = self._username(environ)
        if username is None:
            return None
        try:
            req = Request(environ)
            guards.check_host(req, self._hosts)
            who, generation = self._gate.identify(req)
            self._gate.require(who, team.CODE_ROLE)
            body = team.code_body(self._users, who, username, generation)
            client = guards.client_address(req, self._trusted)
            self._gate.write(Trail(who.name, client).entry("code.read", label=username))
        except Exception:  # noqa: BLE001 - Flask makes every check again and answers in the API's shape
            return None
        return body.encode()

    def _username(self, environ: dict[str, Any]) -> str | None:
        """The username when Flask's URL map routes this path to ``GET /get-totp``, else None."""
        path = environ.get("PATH_INFO", "")
        if path in self._routes:
            return self._routes[path]
        try:
            adapter = self._app.url_map.bind_to_environ(environ, subdomain="")
            endpoint, values = adapter.match(method="GET")
        except HTTPException:
            username = None
        else:
            username = values["username"] if endpoint == ENDPOINT else None
        if len(self._routes) < guards.REMEMBERED:
            self._routes[path] = username
        return username
