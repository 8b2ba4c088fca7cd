"""HOTP tokens' codes: ``POST /api/v1/tokens/{id}/next`` hands out the code at the next counter.

The counter advances in one conditional UPDATE that returns it (``Store.next_counter``), so
concurrent presses, on any worker or instance, never get the same counter. Nothing else advances
it: listings show an HOTP token's type and next counter, never a code. Like
``GET /api/v1/tokens/{id}/code``, a press needs the ``codes`` role, reaches only the caller's
groups (another group's token is 404) and is audited as ``code.read``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint

from . import access
from .http import service
from .service import BadRequest, NotFound, Token, TokenService, make_hotp

__all__ = ["HotpCode", "blueprint", "next_code"]

blueprint = Blueprint("hotp", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class HotpCode:
    """The code handed out at ``counter``; the token's next code will be at ``counter + 1``."""

    code: str
    counter: int


def next_code(tokens: TokenService, token: Token) -> HotpCode:
    """Advances the HOTP token's counter and returns the code at the counter it had.

    Raises :class:`NotFound` if the token is gone, or :class:`BadRequest` for a TOTP token.
    """
    token_id = token.id
    if token.type != "hotp":
        raise BadRequest(
            f"Token {token_id} is a TOTP token: its current code is at GET /api/v1/tokens/{token_id}/code"
        )
    counter = tokens.store.next_counter(token_id)
    if counter is None:
        raise NotFound("Token not found")
    hotp = make_hotp(token.secret, digits=token.digits, algorithm=token.algorithm)
    return HotpCode(code=hotp.at(counter), counter=counter)


@blueprint.post("/tokens/<token_id>/next")
@access.requires("codes")
def next_hotp_code(token_id: str) -> Any:
    """The HOTP token's next code; its counter advances by one (each press gets a counter of its own)."""
    token = access.reach(service(), token_id)
    handed = next_code(service(), token)
    access.audit("code.read", [token.id], token.name, f"ok, counter {handed.counter}")
    return {
        "success": True,
        "data": {"code": handed.code, "counter": handed.counter, "next_counter": handed.counter + 1},
    }
