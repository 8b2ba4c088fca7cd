"""The TOTPHog REST API under ``/api/v1``: tokens, codes, QR codes and the health check."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify

from .._pyotp_rs import __version__
from . import access
from .http import integer_field, json_object, public, service, string_field
from .service import EDITABLE, BadRequest, Code, Token, TokenFields, iso_time
from .verification import MAX_VALID_WINDOW, verify_code

__all__ = ["blueprint", "error_response"]

blueprint = Blueprint("totphog", __name__, url_prefix="/api/v1")

FIXED_FIELDS = ("secret", "digits", "period", "algorithm", "uri")
"""Token fields that ``PATCH`` refuses to change (a clear 400)."""


def error_response(status: int, message: str) -> Response:
    """TOTPHog's error shape: ``{"success": false, "error": "..."}``."""
    response = jsonify(success=False, error=message)
    response.status_code = status
    return response


def token_json(token: Token, with_secret: bool = True) -> dict[str, Any]:
    """A token in TOTPHog's field order, then its ``group``; ``secret`` only ``with_secret``.

    An HOTP token adds its ``type`` and next ``counter``.
    """
    shape: dict[str, Any] = {"id": token.id, "name": token.name}
    if with_secret:
        shape["secret"] = token.secret
    shape.update(
        issuer=token.issuer,
        digits=token.digits,
        period=token.period,
        algorithm=token.algorithm,
        created_at=token.created_at,
        group=token.group,
    )
    if token.type == "hotp":
        shape.update(type="hotp", counter=token.counter)
    return shape


def _secret_read(tokens: list[Token]) -> None:
    """Audits what the caller read: ``secret.read`` when the tokens came with their secrets."""
    if tokens and access.caller().sees_secrets:
        access.audit(
            "secret.read", [token.id for token in tokens], tokens[0].name if len(tokens) == 1 else None
        )


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
@access.requires("codes")
def list_tokens() -> Any:
    """Every token the caller reaches, with ``count``."""
    tokens = access.visible(service().list_tokens())
    _secret_read(tokens)
    return {
        "success": True,
        "data": [access.shown(token, token_json) for token in tokens],
        "count": len(tokens),
    }


@blueprint.post("/tokens")
@access.requires("manage")
def create_token() -> Any:
    """A new token from ``uri``, or from ``name`` and ``secret`` plus optional parameters."""
    data = json_object()
    uri = data.get("uri")
    if uri not in (None, ""):
        if not isinstance(uri, str):
            raise BadRequest("uri must be a string")
        token = service().create_from_uri(uri, access.place(string_field(data, "group")), access.trail())
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
            group=access.place(string_field(data, "group")),
        )
        token = service().create_token(fields, access.trail())
    return {"success": True, "data": access.shown(token, token_json)}, 201


@blueprint.get("/tokens/<token_id>")
@access.requires("codes")
def get_token(token_id: str) -> Any:
    """One token."""
    token = access.reach(service(), token_id)
    _secret_read([token])
    return {"success": True, "data": access.shown(token, token_json)}


@blueprint.patch("/tokens/<token_id>")
@access.requires("manage")
def update_token(token_id: str) -> Any:
    """Changes a token's ``name``, ``issuer`` or ``group``; the secret and code parameters are fixed (400)."""
    access.reach(service(), token_id)
    data = json_object()
    fixed = [field for field in FIXED_FIELDS if field in data]
    if fixed:
        raise BadRequest(f"{', '.join(fixed)} cannot be changed: only name, issuer and group can")
    changes = {field: string_field(data, field) for field in EDITABLE if field in data}
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise BadRequest(f"Unknown field {unknown[0]!r}: only name, issuer and group can be changed")
    if "group" in changes:
        changes["group"] = access.place(changes["group"])
    token = service().update_token(token_id, changes, access.trail())
    return {"success": True, "data": access.shown(token, token_json)}


@blueprint.delete("/tokens/<token_id>")
@access.requires("manage")
def delete_token(token_id: str) -> Any:
    """Deletes one token (one whose secret no longer decrypts too)."""
    access.reach_row(service(), token_id)
    service().delete_token(token_id, access.trail())
    return {"success": True, "message": "Token deleted"}


@blueprint.delete("/tokens")
@access.requires("admin")
def delete_all_tokens() -> Any:
    """Deletes every token."""
    count = service().delete_all(access.trail())
    return {"success": True, "message": f"Deleted {count} tokens", "deleted_count": count}


@blueprint.get("/tokens/<token_id>/code")
@access.requires("codes")
def token_code(token_id: str) -> Any:
    """The current code of one token."""
    token = access.reach(service(), token_id)
    code = service().code_of(token, int(time.time()))
    access.audit("code.read", [token.id], token.name)
    return {"success": True, "data": code_json(code)}


@blueprint.post("/tokens/<token_id>/verify")
@access.requires("codes")
def verify(token_id: str) -> Any:
    """Checks a user's ``code``: accepted once per time step, wrong codes counted (429 past the limit)."""
    token = access.reach(service(), token_id)
    data = json_object()
    window = integer_field(data, "valid_window", 1)
    if not 0 <= window <= MAX_VALID_WINDOW:
        raise BadRequest(f"valid_window must be from 0 to {MAX_VALID_WINDOW}")
    verdict = verify_code(service(), token_id, data.get("code"), window)
    access.audit("verify", [token.id], token.name, "valid" if verdict.valid else str(verdict.reason))
    if verdict.valid:
        return {"success": True, "data": {"valid": True, "timecode": verdict.timecode}}
    return {"success": True, "data": {"valid": False, "reason": verdict.reason}}


@blueprint.get("/codes")
@access.requires("codes")
def all_codes() -> Response:
    """Every token the caller reaches with its ``current_code`` (rendered by the application's :class:`CodeSheet`)."""
    who = access.caller()
    sheet = current_app.extensions["pyotp_rs_codes"]
    reaches = None if who.groups is None else who.reaches
    body, ids = sheet.render(int(time.time()), g.tokens_generation, who.sees_secrets, reaches)
    access.audit("code.read", ids, outcome="ok, with secrets" if who.sees_secrets else "ok")
    return Response(body, mimetype="application/json")


@blueprint.get("/tokens/<token_id>/qr")
@access.requires("admin")
def token_qr(token_id: str) -> Response:
    """The token's provisioning URI as a PNG QR code."""
    token = access.reach(service(), token_id)
    png = service().qr_png(token_id)
    access.audit("qr.read", [token.id], token.name)
    return Response(png, mimetype="image/png")
