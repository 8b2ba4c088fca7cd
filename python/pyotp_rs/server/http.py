"""Helpers the blueprints share: the JSON request body, query integers, and public endpoints."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

from .service import BadRequest, TokenService

__all__ = ["json_object", "public", "service", "takes_uploads"]

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Marks a view that needs no API token (it shows no token data)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def takes_uploads(view: F) -> F:
    """Marks a view that reads uploaded files (multipart or raw bodies) as well as JSON."""
    view.takes_uploads = True  # type: ignore[attr-defined]
    return view


def service() -> TokenService:
    """The application's :class:`TokenService`."""
    return current_app.extensions["pyotp_rs"]  # type: ignore[no-any-return]


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400 (a body over the limit, a 413)."""
    body = request.get_data(cache=False)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("Request body must be a JSON object (it is not valid JSON)") from None
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    return data


def string_field(data: dict[str, Any], key: str) -> str | None:
    """``data[key]`` when it is a string, None when absent or null; another type is a 400."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(f"{key} must be a string")


def integer_field(data: dict[str, Any], key: str, default: int) -> int:
    """``data[key]`` when it is a JSON integer, ``default`` when absent or null; another type is a 400."""
    value = data.get(key)
    if value is None:
        return default
    if type(value) is not int:
        raise BadRequest(f"{key} must be an integer")
    return value
