"""Who am I and what happened: ``GET /api/v1/me`` and ``GET /api/v1/audit`` (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, request

from .access import caller, requires
from .audit import entry_json
from .http import service
from .service import BadRequest, Forbidden, NotFound

__all__ = ["blueprint"]

blueprint = Blueprint("access", __name__, url_prefix="/api/v1")

MAX_AUDIT_LIMIT = 1000
DEFAULT_AUDIT_LIMIT = 100


@blueprint.get("/me")
@requires("codes")
def me() -> Any:
    """The caller's name, role and groups; an admin may ask about another API token with ``?name=``."""
    name = request.args.get("name")
    who = caller()
    if name is None or name == who.name:
        return {"success": True, "data": who.json()}
    if not who.has("admin"):
        raise Forbidden("Only an admin API token may look up another API token")
    for row in service().store.list_api_tokens():
        if row.name == name:
            groups = None if row.groups is None else list(row.groups)
            return {"success": True, "data": {"name": row.name, "role": row.role, "groups": groups}}
    raise NotFound(f"No API token called {name!r}")


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_AUDIT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_AUDIT_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_AUDIT_LIMIT}")
    return int(text)


def _since(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise BadRequest("since must be an ISO 8601 time, such as 2026-01-15T10:30:00+00:00") from None
    if moment.tzinfo is None:
        raise BadRequest("since must carry its UTC offset, such as 2026-01-15T10:30:00+00:00")
    try:
        return int(moment.timestamp() * 1_000_000)
    except (ValueError, OverflowError):
        raise BadRequest("since is out of range") from None


@blueprint.get("/audit")
@requires("admin")
def audit_log() -> Any:
    """The newest entries first: ``limit`` (1-1000, default 100), ``actor``, ``account`` (an id), ``since``."""
    entries = service().audit.entries(
        limit=_limit(request.args.get("limit")),
        actor=request.args.get("actor"),
        account=request.args.get("account"),
        since_us=_since(request.args.get("since")),
    )
    return {"success": True, "data": [entry_json(entry) for entry in entries], "count": len(entries)}
