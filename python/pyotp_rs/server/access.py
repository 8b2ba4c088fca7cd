"""Who is calling and what they may do: the one place where a request's access is decided.

The caller (API token name, role, groups; ``local`` in open loopback mode) is resolved once per
request by :class:`Gate`, in the application's ``before_request`` hook and before any body is read,
and checked against what the view declares with :func:`requires` (or :func:`~.http.public`). A view
that declares nothing is for admins only, so a new endpoint cannot forget its check. Group scoping goes
through :func:`reach`, :func:`visible` and :func:`place`: an account outside the caller's groups is
absent (404), and creating or moving one into a foreign group is 403.

Reads that reveal a code or a secret note an audit entry with :func:`audit`; the entries are
written right after the response is made, only for a successful one. Refused requests (401 and
403) are written as ``denied`` with the caller when known. Changes write their own entries in
their transaction (the service takes the request's :func:`trail`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from flask import Request, Response, current_app, g, request

from .audit import Trail
from .guards import client_address
from .roles import ROLES, Caller
from .service import Forbidden, NotFound, ServiceError, Token, TokenService
from .store import AuditRow, TokenRow

__all__ = ["Gate", "audit", "caller", "place", "reach", "requires", "shown", "trail", "visible"]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_ROLE = "admin"
"""What a view that declares no role needs."""


def requires(role: str) -> Callable[[F], F]:
    """Declares the least role a view needs (``codes``, ``manage`` or ``admin``)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def mark(view: F) -> F:
        view.role = role  # type: ignore[attr-defined]
        return view

    return mark


def caller() -> Caller:
    """The request's caller."""
    return g.caller  # type: ignore[no-any-return]


def client() -> str:
    """The client's address: the peer's, or the one a ``--trusted-proxy`` put in ``X-Forwarded-For``."""
    return client_address(request, current_app.config["TRUSTED_PROXIES"])


def trail() -> Trail:
    """The request's caller and client address, for the audit entries of a change."""
    return Trail(caller().name, client())


def reach(service: TokenService, token_id: str) -> Token:
    """The token with this id if the caller reaches its group; otherwise 404, as if absent."""
    return service.token_of(reach_row(service, token_id))


def reach_row(service: TokenService, token_id: str) -> TokenRow:
    """The stored row of :func:`reach`, its secret left sealed (an unreadable row can still be deleted)."""
    row = service.store.get_token(token_id)
    if row is None or not caller().reaches(row.group):
        raise NotFound("Token not found")
    return row


def visible(tokens: Iterable[Token]) -> list[Token]:
    """The tokens in the caller's groups."""
    who = caller()
    return [token for token in tokens if who.reaches(token.group)]


def place(group: str | None) -> str | None:
    """The group a new or moved account goes to when the caller asks for ``group``.

    A caller limited to one group puts accounts there by default; a group outside the caller's
    groups is 403.
    """
    groups = caller().groups
    if groups is None:
        return group
    if group is None and len(groups) == 1:
        return groups[0]
    if group is None:
        raise Forbidden(f"Choose the account's group: one of {', '.join(groups)}")
    if group not in groups:
        raise Forbidden(f"Group {group!r} is outside this API token's groups")
    return group


def require_every_group() -> None:
    """403 unless the caller reaches every account (what team API users, having no group, need)."""
    if caller().groups is not None:
        raise Forbidden("This API token is limited to groups; team API users belong to none")


def shown(token: Token, json: Callable[[Token, bool], dict[str, Any]]) -> dict[str, Any]:
    """The token's JSON for the caller: with its ``secret`` for admins only."""
    return json(token, caller().sees_secrets)


def audit(
    action: str, account_ids: Sequence[str] = (), label: str | None = None, outcome: str = "ok"
) -> None:
    """Notes an audit entry of this request, written once its response is made (if it succeeds)."""
    g.setdefault("audit", []).append(trail().entry(action, outcome, account_ids, label))


class Gate:
    """Resolves and checks each request's caller, and writes its audit entries once it is answered.

    ``open_problem`` says why a request without a token cannot be served in open mode (see
    :meth:`TokenService.identify`). The application calls :meth:`admit` from its ``before_request``
    hook and :meth:`record` from its ``after_request`` hook; the fast ``GET /get-totp`` path
    (:mod:`.fastpath`) calls :meth:`identify`, :meth:`require` and :meth:`write` with its own request.
    """

    def __init__(self, service: TokenService, open_problem: Callable[[Request], ServiceError | None]) -> None:
        self._service = service
        self._open_problem = open_problem

    def identify(self, req: Request) -> tuple[Caller, int]:
        """The caller of ``req`` and the tokens' generation (:meth:`TokenService.identify`)."""
        return self._service.identify(req.headers.get("Authorization"), lambda: self._open_problem(req))

    @staticmethod
    def require(who: Caller, needed: str) -> None:
        """403 unless ``who`` has the role ``needed`` or above it."""
        if not who.has(needed):
            raise Forbidden(f"This API token's role ({who.role}) cannot do this: it needs {needed}")

    def admit(self, view: Callable[..., Any]) -> None:
        """Resolves the caller (and the tokens' generation) and checks the role ``view`` needs."""
        if getattr(view, "public", False):
            return  # public views show no token data
        who, g.tokens_generation = self.identify(request)
        g.caller = who
        self.require(who, getattr(view, "role", DEFAULT_ROLE))

    def record(self, response: Response) -> None:
        """Writes the audit entries of an answered request: those its view noted if it succeeded, a
        ``denied`` entry if it was refused (401 or 403), none otherwise."""
        entries: list[AuditRow] = g.pop("audit", [])
        status = response.status_code
        if status in (401, 403):
            who = g.get("caller")
            refused = Trail(who.name if who else None, client())
            token_id = (request.view_args or {}).get("token_id")
            outcome = f"{status} {request.method} {request.path}"
            entries = [refused.entry("denied", outcome, [token_id] if token_id else ())]
        elif status >= 400:
            entries = []
        for entry in entries:
            self.write(entry)

    def write(self, entry: AuditRow) -> None:
        """Writes one audit entry of an answered request (before its answer is sent)."""
        self._service.audit.record(entry)
