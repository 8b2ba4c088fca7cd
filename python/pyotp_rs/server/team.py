"""The team API of the seed app: ``POST /setup`` and ``GET /get-totp/<username>``.

Bodies are byte for byte what the seed's ``jsonify`` writes when it runs as its README says
(``python app.py``, Flask's debug mode): keys sorted, two-space indent, a final newline.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from . import access
from .http import json_object, service, string_field
from .roles import Caller
from .service import BadRequest, NotFound
from .usercache import UserCodes

__all__ = ["CODE_ROLE", "blueprint", "code_body", "error_response"]

blueprint = Blueprint("team", __name__)

CODE_ROLE = "codes"
"""The least role that ``GET /get-totp`` needs."""


class _Username(PathConverter):
    """The rest of the path, exactly as sent: it may start with ``/`` (werkzeug's ``path`` may not)."""

    regex = ".+"
    part_isolating = False


@blueprint.record_once
def _converters(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["username"] = _Username


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(f"{json.dumps(body, indent=2, sort_keys=True)}\n", status, mimetype="application/json")


def error_response(status: int, message: str) -> Response:
    """The seed's error shape: ``{"error": "..."}``."""
    return _json({"error": message}, status)


@blueprint.post("/setup")
@access.requires("manage")
def setup() -> Response:
    """Stores ``secret`` for ``username`` (replacing an earlier one) and echoes both."""
    access.require_every_group()
    data = json_object()
    username = string_field(data, "username")
    secret = string_field(data, "secret")
    if username is None or secret is None:
        raise BadRequest("username and secret are required")
    service().setup_user(username, secret, access.trail())
    return _json({"username": username, "secret": secret})


@blueprint.get("/get-totp/<username:username>", merge_slashes=False)
@access.requires(CODE_ROLE)
def get_totp(username: str) -> Response:
    """The user's current code; the username is taken exactly as sent: ``/get-totp//alice`` asks for
    the user ``/alice``, and is never redirected to ``alice``. (:mod:`.fastpath` answers this route
    before Flask when every check passes, through :func:`code_body` as this view does.)"""
    body = code_body(current_app.extensions["pyotp_rs_users"], access.caller(), username, g.tokens_generation)
    access.audit("code.read", label=username)
    return Response(body, 200, mimetype="application/json")


def code_body(users: UserCodes, who: Caller, username: str, generation: int) -> str:
    """The body of ``GET /get-totp/<username>`` for ``who`` (the worker's :class:`~.usercache.UserCodes`,
    at the tokens' ``generation``). Team API users have no group: a caller limited to groups gets 404,
    as for an unknown user."""
    if who.groups is not None:
        raise NotFound("User not found")
    return users.body(username, generation)
