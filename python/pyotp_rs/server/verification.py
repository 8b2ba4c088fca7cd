"""Verifying a user's code: each time step accepted once, wrong codes throttled per token, all in the database.

Every worker of every instance sees the same state because it lives in the token's row and
changes only through two conditional statements whose row count decides (``Store.accept_step``
and ``Store.count_failure``), each also enforcing the wrong-code limit: the database serialises
concurrent updates of one row, so of eight requests carrying the same valid code exactly one is
accepted, of twenty wrong guesses at most the limit is counted, and a right code racing wrong
guesses is refused once they have spent the budget. A read followed by a write in Python would
let several through.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from .config import RateLimit
from .service import BadRequest, NotFound, ServiceError, TokenService

__all__ = ["MAX_VALID_WINDOW", "MalformedCode", "TooManyAttempts", "Verdict", "verify_code"]

MAX_VALID_WINDOW = 10


class TooManyAttempts(ServiceError):
    """The token's wrong-code budget is spent (429); ``retry_after`` is when it refills, in seconds."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many wrong codes for this token: try again in {retry_after} seconds")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        """``Retry-After``, in seconds."""
        return {"Retry-After": str(self.retry_after)}


class MalformedCode(BadRequest):
    """A code that is not ``digits`` ASCII digits (400, counted as a wrong code)."""


@dataclass(frozen=True)
class Verdict:
    """The answer to one submitted code: accepted with its time step, or why not."""

    valid: bool
    timecode: int | None = None
    reason: str | None = None


def _retry_after(since_us: int, limit: RateLimit, now_us: int) -> int:
    return max(1, -(-(since_us + limit.window_seconds * 1_000_000 - now_us) // 1_000_000))


def verify_code(service: TokenService, token_id: str, code: object, valid_window: int = 1) -> Verdict:
    """Checks ``code`` for the token now, records an accepted step or a wrong code, and says which.

    Raises :class:`NotFound`, :class:`TooManyAttempts`, or :class:`MalformedCode` (after counting it).
    """
    limit = service.rate_limit
    row = service.store.get_token(token_id)
    if row is None:
        raise NotFound("Token not found")
    now_us = time.time_ns() // 1000
    cutoff_us = now_us - limit.window_seconds * 1_000_000
    if (
        row.failures >= limit.failures
        and row.failures_since_us is not None
        and row.failures_since_us > cutoff_us
    ):
        raise TooManyAttempts(_retry_after(row.failures_since_us, limit, now_us))

    def wrong() -> None:
        if service.store.count_failure(token_id, now_us, cutoff_us, limit.failures):
            return
        current = service.store.get_token(token_id)
        if current is None:
            raise NotFound("Token not found")
        raise TooManyAttempts(_retry_after(current.failures_since_us or now_us, limit, now_us))

    if not (isinstance(code, str) and len(code) == row.digits and code.isascii() and code.isdigit()):
        wrong()
        raise MalformedCode(f"code must be a string of {row.digits} digits")
    totp = service.token_of(row).totp()
    step = totp.timecode(now_us // 1_000_000)
    matched = [
        step + offset
        for offset in range(-valid_window, valid_window + 1)
        if hmac.compare_digest(code, totp.generate_otp(step + offset))
    ]
    if not matched:
        wrong()
        return Verdict(valid=False, reason="invalid")
    fresh = [s for s in matched if row.last_step is None or s > row.last_step]
    if not fresh:
        return Verdict(valid=False, reason="replayed")
    if service.store.accept_step(token_id, fresh[0], cutoff_us, limit.failures):
        return Verdict(valid=True, timecode=fresh[0])
    return _not_accepted(service, token_id, now_us, cutoff_us)


def _not_accepted(service: TokenService, token_id: str, now_us: int, cutoff_us: int) -> Verdict:
    """Why a right code was not accepted: concurrent wrong guesses spent the budget (429), or it was used."""
    limit = service.rate_limit
    row = service.store.get_token(token_id)
    if row is None:
        raise NotFound("Token not found")
    if (
        row.failures >= limit.failures
        and row.failures_since_us is not None
        and row.failures_since_us > cutoff_us
    ):
        raise TooManyAttempts(_retry_after(row.failures_since_us, limit, now_us))
    return Verdict(valid=False, reason="replayed")
