"""The TOTPHog REST API under ``/api/v1``: tokens, codes, QR codes and the health check."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify

from .._pyotp_rs import __version__
from .http import integer_field, json_object, public, service, string_field
from .service import BadRequest, Code, Token, TokenFields, iso_time
from .verification import MAX_VALID_WINDOW, verify_code

__all__ = ["blueprint", "error_response"]

blueprint = Blueprint("totphog", __name__, url_prefix="/api/v1")


def error_response(status: int, message: str) -> Response:
    """TOTPHog's error shape: ``{"success": false, "error": "..."}``."""
    response = jsonify(success=False, error=message)
    response.status_code = status
    return response


def token_json(token: Token) -> dict[str, Any]:
    """A token in TOTPHog's field order."""
    return {
        "id": token.id,
        "name": token.name,
        "secret": token.secret,
        "issuer": token.issuer,
        "digits": token.digits,
        "period": token.period,
        "algorithm": token.algorithm,
        "created_at": token.created_at,
    }


def code_json(code: Code) -> dict[str, Any]:
    """A code with its remaining seconds."""
    return {
        "code": code.code,
        "remaining_seconds": code.remaining_seconds,
        "period": code.period,
        "generated_at": code.generated_at,
    }


@blueprint.get("/health")
@public
def health() -> Any:
    """Liveness, as TOTPHog answers it (not wrapped in ``success``/``data``), plus what this service adds.

    ``service`` is ``TOTPHog``, as clients and health checks of TOTPHog expect; ``implementation``
    names this one; ``unreadable_tokens`` counts stored secrets that do not decrypt (left out of lists).
    """
    return {
        "status": "ok",
        "service": "TOTPHog",
        "implementation": "pyotp-rs",
        "version": __version__,
        "timestamp": iso_time(time.time()),
        "unreadable_tokens": service().unreadable_count(),
    }


@blueprint.get("/tokens")
def list_tokens() -> Any:
    """Every token, with ``count``."""
    tokens = service().list_tokens()
    return {"success": True, "data": [token_json(token) for token in tokens], "count": len(tokens)}


@blueprint.post("/tokens")
def create_token() -> Any:
    """A new token from ``uri``, or from ``name`` and ``secret`` plus optional parameters."""
    data = json_object()
    uri = data.get("uri")
    if uri not in (None, ""):
        if not isinstance(uri, str):
            raise BadRequest("uri must be a string")
        token = service().create_from_uri(uri)
    else:
        name = string_field(data, "name")
        secret = string_field(data, "secret")
        if not name or not secret:
            raise BadRequest("Name and secret are required")
        issuer = string_field(data, "issuer")
        algorithm = string_field(data, "algorithm")
        fields = TokenFields(
            name=name,
            secret=secret,
            issuer=service().default_issuer if issuer is None else issuer,
            digits=integer_field(data, "digits", 6),
            period=integer_field(data, "period", 30),
            algorithm="sha1" if algorithm is None else algorithm,
        )
        token = service().create_token(fields)
    return {"success": True, "data": token_json(token)}, 201


@blueprint.get("/tokens/<token_id>")
def get_token(token_id: str) -> Any:
    """One token."""
    return {"success": True, "data": token_json(service().get_token(token_id))}


@blueprint.delete("/tokens/<token_id>")
def delete_token(token_id: str) -> Any:
    """Deletes one token."""
    service().delete_token(token_id)
    return {"success": True, "message": "Token deleted"}


@blueprint.delete("/tokens")
def delete_all_tokens() -> Any:
    """Deletes every token."""
    count = service().delete_all()
    return {"success": True, "message": f"Deleted {count} tokens", "deleted_count": count}


@blueprint.get("/tokens/<token_id>/code")
def token_code(token_id: str) -> Any:
    """The current code of one token."""
    return {"success": True, "data": code_json(service().code(token_id))}


@blueprint.post("/tokens/<token_id>/verify")
def verify(token_id: str) -> Any:
    """Checks a user's ``code``: accepted once per time step, wrong codes counted (429 past the limit)."""
    data = json_object()
    window = integer_field(data, "valid_window", 1)
    if not 0 <= window <= MAX_VALID_WINDOW:
        raise BadRequest(f"valid_window must be from 0 to {MAX_VALID_WINDOW}")
    verdict = verify_code(service(), token_id, data.get("code"), window)
    if verdict.valid:
        return {"success": True, "data": {"valid": True, "timecode": verdict.timecode}}
    return {"success": True, "data": {"valid": False, "reason": verdict.reason}}


@blueprint.get("/codes")
def all_codes() -> Response:
    """Every token with its ``current_code`` (rendered by the application's :class:`CodeSheet`)."""
    body = current_app.extensions["pyotp_rs_codes"].render(int(time.time()), g.tokens_generation)
    return Response(body, mimetype="application/json")


@blueprint.get("/tokens/<token_id>/qr")
def token_qr(token_id: str) -> Response:
    """The token's provisioning URI as a PNG QR code."""
    return Response(service().qr_png(token_id), mimetype="image/png")
