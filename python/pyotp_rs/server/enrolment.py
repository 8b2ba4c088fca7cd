"""The enrolment endpoint: ``GET /v1/auth/totp-generate`` makes a new secret, URI, QR code and code."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from . import access
from .http import service
from .service import BadRequest

__all__ = ["blueprint", "error_response"]

_INTEGER = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII)
"""A query integer: one optional sign, then ASCII digits (``--6`` is not; nor are 10 digits or more)."""

blueprint = Blueprint("enrolment", __name__, url_prefix="/v1/auth")


def error_response(status: int, message: str) -> Response:
    """Errors as ``{"error": "..."}``."""
    response = jsonify(error=message)
    response.status_code = status
    return response


def _label(name: str) -> str:
    value = request.args.get(name)
    if value is None:
        raise BadRequest(f"{name} is required")
    return value


def _integer(name: str, default: int, rule: str) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if _INTEGER.fullmatch(text.strip()) is None:
        raise BadRequest(f"{name} must be {rule}, not {text!r}")
    return int(text)


@blueprint.get("/totp-generate")
@access.requires("codes")
def totp_generate() -> Response:
    """``issuer`` and ``account_name`` (required), ``digits`` 6|8, ``period`` 10-120, ``algorithm``."""
    result = service().enrol(
        _label("issuer"),
        _label("account_name"),
        digits=_integer("digits", 6, "6 or 8"),
        period=_integer("period", 30, "an integer from 10 to 120 seconds"),
        algorithm=request.args.get("algorithm", "SHA1"),
    )
    return jsonify(result)
