"""The team API's ``GET /get-totp/<username>``, fast: each worker keeps the users it has served.

A request already reads the tokens' generation with its API-token check, in one statement (a
counter that every change to the tokens table, ``/setup`` included, increments in the same
transaction, so a change made by any worker or instance is seen by the next request everywhere).
While it is unchanged, a user's TOTP object and the text around its code are kept in the worker's
memory, so a request does no second SQL statement, opens no sealed secret and builds no object:
one dictionary lookup, then the code. The secrets stay sealed at rest; in memory they live as long
as in any TOTP object the worker builds (the ``/api/v1/codes`` sheet keeps them the same way).
Unknown users are not kept: each such request asks the store again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..totp import TOTP
from .service import TokenService

__all__ = ["UserCodes"]


@dataclass(frozen=True)
class _User:
    totp: TOTP
    head: str
    """The body up to the opening quote of the code."""
    tail: str
    """The body after the closing quote of the code."""


@dataclass(frozen=True)
class _Users:
    generation: int
    users: dict[str, _User] = field(default_factory=dict)


class UserCodes:
    """The ``/get-totp`` bodies of the users one worker has served, for the tokens' current generation."""

    def __init__(self, service: TokenService) -> None:
        self._service = service
        self._users = _Users(-1)

    def _user(self, username: str, generation: int) -> _User:
        users = self._users
        if users.generation != generation:
            users = _Users(generation)
            self._users = users
        user = users.users.get(username)
        if user is None:
            # Keys sorted, two-space indent, a final newline: as the seed's ``jsonify`` writes it.
            text = json.dumps({"totp": "\0", "username": username}, indent=2, sort_keys=True)
            head, tail = text.split('"\\u0000"', 1)
            user = _User(self._service.user_totp(username), head + '"', '"' + tail + "\n")
            users.users[username] = user
        return user

    def body(self, username: str, generation: int) -> str:
        """The JSON body of the user's current code; ``generation`` is the one this request read
        (:meth:`TokenService.authorize`). Raises ``NotFound`` for an unknown user."""
        user = self._user(username, generation)
        return user.head + user.totp.now() + user.tail
