"""The Flask application factory: blueprints, authentication and the one error handler per API shape."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import access, access_api, docs, enrolment, guards, hotp, team, totphog, transfer, web
from .codes import CodeSheet
from .config import ServiceConfig
from .fastpath import FastCodes
from .service import ServiceError, TokenService, open_service
from .usercache import UserCodes

__all__ = ["create_app"]

_log = logging.getLogger(__name__)

ErrorShape = Callable[[int, str], Response]

# Which API a path belongs to decides the JSON shape of its errors; the TOTPHog shape is the default.
_ERROR_SHAPES: tuple[tuple[str, ErrorShape], ...] = (
    ("/setup", team.error_response),
    ("/get-totp/", team.error_response),
    ("/v1/auth/", enrolment.error_response),
)

_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
"""What every HTML answer carries (a view may set a stricter or narrower Content-Security-Policy)."""

_HTTP_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
    500: "Internal server error",  # an error after the view (its audit entry not written): Flask's 500
}


def _error_shape(path: str) -> ErrorShape:
    for prefix, shape in _ERROR_SHAPES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return shape
    return totphog.error_response


def _json_status(path: str) -> int:
    """The status of a non-JSON body: 400 on the TOTPHog API (its contract lists only 400), else 415."""
    return 400 if _error_shape(path) is totphog.error_response else 415


def create_app(config: ServiceConfig | None = None, *, service: TokenService | None = None) -> Flask:
    """The WSGI application of ``pyotp-rs serve``, for any WSGI server.

    Give a ``config`` (the database is migrated and the server key checked now, once) or an
    already opened ``service``. With neither, the defaults of ``pyotp-rs serve`` apply. Whatever
    the config says, requests without an API token are served only while no API token exists and
    only to a loopback peer that names the service by a loopback Host and came through no proxy.
    """
    config = config or ServiceConfig.from_options()
    if service is None:
        service = open_service(config)
    hosts = guards.HostPolicy.build(config.allowed_hosts, config.host, loopback=config.loopback)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # a path is taken as sent: no redirect, no alias of another path
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.config["TRUSTED_PROXIES"] = frozenset(config.trusted_proxies)
    app.extensions["pyotp_rs"] = service
    app.extensions["pyotp_rs_codes"] = CodeSheet(service, totphog.token_json)
    app.extensions["pyotp_rs_users"] = UserCodes(service)
    for module in (totphog, hotp, team, enrolment, transfer, docs, web, access_api):
        app.register_blueprint(module.blueprint)

    gate = access.Gate(service, lambda req: guards.local_peer_problem(req, hosts))

    @app.before_request
    def _admit() -> None:
        # In this order, before any body is read: the Host, a write's origin and body type, the
        # caller and its role, an upload's proof of origin.
        guards.check_host(request, hosts)
        view = app.view_functions.get(request.endpoint or "")
        if view is None:
            return  # routing answers 404 or 405
        takes_uploads = getattr(view, "takes_uploads", False)
        guards.check_write(request, takes_uploads=takes_uploads, json_status=_json_status(request.path))
        gate.admit(view)
        if takes_uploads:
            guards.check_upload(request)

    @app.after_request
    def _finish(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            for name, value in _PAGE_HEADERS.items():
                headers.setdefault(name, value)
        gate.record(response)
        return response

    @app.errorhandler(Exception)
    def _error(error: Exception) -> Response:
        headers: dict[str, str] = {}
        if isinstance(error, ServiceError):
            status, message, headers = error.status, error.message, error.headers()
            if status >= 500:
                _log.error("%s %s: %s", request.method, request.path, message)
        elif isinstance(error, HTTPException):
            status = error.code or 500
            message = _HTTP_MESSAGES.get(status) or error.description or error.name
            if status == 413:
                message = f"Request body too large: the limit is {app.config['MAX_CONTENT_LENGTH']} bytes"
        else:
            _log.exception("%s %s failed", request.method, request.path)
            status, message = 500, "Internal server error"
        response = _error_shape(request.path)(status, message)
        response.headers.update(headers)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(error, HTTPException):
            response.headers.update((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
        return response

    app.wsgi_app = FastCodes(app, app.wsgi_app, hosts, gate)  # type: ignore[method-assign]
    return app
