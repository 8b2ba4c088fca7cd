"""The Flask application factory: blueprints, authentication and the one error handler per API shape."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from . import access, access_api, docs, enrolment, team, totphog, transfer, web
from .codes import CodeSheet
from .config import MAX_BODY_BYTES, ServiceConfig
from .service import ServiceError, TokenService, open_service

__all__ = ["create_app"]

_log = logging.getLogger(__name__)

ErrorShape = Callable[[int, str], Response]

# Which API a path belongs to decides the JSON shape of its errors; the TOTPHog shape is the default.
_ERROR_SHAPES: tuple[tuple[str, ErrorShape], ...] = (
    ("/setup", team.error_response),
    ("/get-totp/", team.error_response),
    ("/v1/auth/", enrolment.error_response),
)

_HTTP_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
}


def _error_shape(path: str) -> ErrorShape:
    for prefix, shape in _ERROR_SHAPES:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return shape
    return totphog.error_response


def create_app(config: ServiceConfig | None = None, *, service: TokenService | None = None) -> Flask:
    """The WSGI application of ``pyotp-rs serve``, for any WSGI server.

    Give a ``config`` (the database is migrated and the server key checked now, once) or an
    already opened ``service``. With neither, the defaults of ``pyotp-rs serve`` apply.
    """
    if service is None:
        service = open_service(config or ServiceConfig.from_options())
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes if config else MAX_BODY_BYTES
    app.extensions["pyotp_rs"] = service
    app.extensions["pyotp_rs_codes"] = CodeSheet(service, totphog.token_json)
    for module in (totphog, team, enrolment, transfer, docs, web, access_api):
        app.register_blueprint(module.blueprint)

    access.install(app, service)

    @app.after_request
    def _no_store(response: Response) -> Response:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
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

    return app
