"""The body of ``GET /api/v1/codes``, fast with thousands of tokens.

Profiled with 1,000 tokens, a request spent its time per token in turning the SQL row into objects,
opening the AES-GCM secret, building a TOTP object, formatting two datetimes and encoding JSON;
the code itself (the HMAC, in Rust) was a small part. So each worker keeps, per token, the TOTP
object and the token's JSON text, and keeps them while the tokens' generation is unchanged (a
counter that every change to the tokens table increments in the same transaction, so changes made
by any worker or instance are seen). The generation comes with the request's API-token check, in
the same statement.

A token's code changes only with its time step, and what follows the code (remaining seconds,
period, the time) is the same for every token of one period. So the worker also keeps each token's
JSON text up to and including its code for the current time steps, as bytes, and a request joins
those pieces with that shared tail: one join makes the body (one copy of it: joining, then adding
the envelope, then encoding took three, and each was slower than the join, for 330 kB), and one
Rust call per token happens only when a step ends. The bytes are those ``jsonify`` would write for
the same data. An HOTP token has no current code: its piece is its whole object, with
``"current_code": null``, and its tail is empty.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..totp import TOTP
from .service import Token, TokenService, iso_time

__all__ = ["CodeSheet"]


@dataclass(frozen=True)
class _Entry:
    id: str
    group: str | None
    totp: TOTP | None
    """None for an HOTP token, which has no current code (its ``heads`` are its whole JSON object)."""
    heads: tuple[str, str]
    """The token's JSON object up to the opening quote of its current code: without, with its secret."""
    period: int | None


@dataclass(frozen=True)
class _Tokens:
    """Every token's entry at one generation, the distinct periods among them, and whether any is HOTP."""

    generation: int
    entries: list[_Entry]
    periods: tuple[int, ...]
    ids: tuple[str, ...]
    hotp: bool = False


@dataclass(frozen=True)
class _Codes:
    """Each entry's head and code, for the time steps ``steps`` (one per period) of ``tokens``.

    ``pieces[1]`` are the heads with the secret, ``pieces[0]`` without.
    """

    tokens: _Tokens
    steps: tuple[int, ...]
    pieces: tuple[list[bytes], list[bytes]]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class CodeSheet:
    """Renders every token with its current code; one per application (per worker)."""

    def __init__(self, service: TokenService, token_json: Callable[[Token, bool], dict[str, Any]]) -> None:
        self._service = service
        self._token_json = token_json
        self._tokens: _Tokens | None = None
        self._codes: _Codes | None = None
        self._lock = threading.Lock()

    def _tokens_at(self, generation: int) -> _Tokens:
        tokens = self._tokens
        if tokens is not None and tokens.generation == generation:
            return tokens
        with self._lock:
            entries = [self._entry(token) for token in self._service.list_tokens()]
            periods = tuple(sorted({entry.period for entry in entries if entry.period is not None}))
            hotp = any(entry.totp is None for entry in entries)
            tokens = _Tokens(generation, entries, periods, tuple(entry.id for entry in entries), hotp)
            self._tokens = tokens
        return tokens

    def _entry(self, token: Token) -> _Entry:
        if token.type == "hotp":
            return _Entry(
                id=token.id,
                group=token.group,
                totp=None,
                heads=(self._head(token, False, "null}"), self._head(token, True, "null}")),
                period=None,
            )
        return _Entry(
            id=token.id,
            group=token.group,
            totp=token.totp(),
            heads=(self._head(token, False), self._head(token, True)),
            period=token.period,
        )

    def _head(self, token: Token, with_secret: bool, code: str = '{"code":"') -> str:
        return _compact(self._token_json(token, with_secret))[:-1] + ',"current_code":' + code

    def _pieces(self, tokens: _Tokens, now: int) -> tuple[list[bytes], list[bytes]]:
        steps = tuple(now // period for period in tokens.periods)
        codes = self._codes
        if codes is not None and codes.tokens is tokens and codes.steps == steps:
            return codes.pieces
        public, full = [], []
        for entry in tokens.entries:
            code = "" if entry.totp is None else entry.totp.at(now)
            public.append((entry.heads[0] + code).encode())
            full.append((entry.heads[1] + code).encode())
        self._codes = _Codes(tokens, steps, (public, full))
        return public, full

    def render(
        self,
        now: int,
        generation: int,
        with_secret: bool = True,
        reaches: Callable[[str | None], bool] | None = None,
    ) -> tuple[bytes, tuple[str, ...]]:
        """The response body: the JSON of ``{"success": true, "data": [token + current_code, ...]}`` at
        ``now`` and a newline, as ``jsonify`` writes it; built by one join, ready to send. And the ids
        of the tokens whose code or secret it reveals (for the audit log: an HOTP token without its
        secret reveals nothing).

        ``generation`` is the tokens' generation read by this request (:meth:`TokenService.identify`);
        tokens carry their secret ``with_secret``; ``reaches`` keeps the tokens of the groups it accepts.
        """
        tokens = self._tokens_at(generation)
        pieces = self._pieces(tokens, now)[1 if with_secret else 0]
        entries, ids = tokens.entries, tokens.ids
        if reaches is not None and any(not reaches(entry.group) for entry in entries):
            kept = [index for index, entry in enumerate(entries) if reaches(entry.group)]
            entries = [entries[index] for index in kept]
            pieces = [pieces[index] for index in kept]
            ids = tuple(entry.id for entry in entries)
        if tokens.hotp and not with_secret:
            ids = tuple(entry.id for entry in entries if entry.totp is not None)
        if not pieces:
            return b'{"success":true,"data":[]}\n', ()
        generated_at = _compact(iso_time(now))
        tails: dict[int | None, bytes] = {
            period: f'","remaining_seconds":{period - now % period},"period":{period},'
            f'"generated_at":{generated_at}}}}}'.encode()
            for period in tokens.periods
        }
        if tokens.hotp:
            tails[None] = b""  # HOTP tokens: their piece is their whole object
        if len(tails) == 1:
            (tail,) = tails.values()
            separator, parts = tail + b",", [*pieces[:-1], pieces[-1] + tail]
        else:
            separator = b","
            parts = [piece + tails[entry.period] for piece, entry in zip(pieces, entries, strict=True)]
        parts[0] = b'{"success":true,"data":[' + parts[0]
        parts[-1] += b"]}\n"
        return separator.join(parts), ids
