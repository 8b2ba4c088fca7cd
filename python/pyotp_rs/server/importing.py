"""Accounts of an export stored as tokens: checked one by one, then written all in one transaction.

An entry that cannot be stored is skipped with its reason before anything is written; the rest
are written together or not at all, so a failed import leaves nothing behind and a retry is safe.
An account already present (same secret, type, digits, period and algorithm; for a team
``secrets.json``, the same username and secret) is skipped as :data:`ALREADY_PRESENT`: importing
one file twice creates nothing the second time. Secrets are compared by their keyed fingerprints
(:meth:`SecretBox.secret_fingerprint`), never in the clear. For a caller limited to groups, only the
accounts of its groups count as present (it knows nothing of the others). The audit entries of what
is stored (``import`` per token, ``token.create`` per team user) are written in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import transfer
from .audit import Trail
from .keys import StoredSecretError
from .service import (
    BadRequest,
    Token,
    TokenService,
    algorithm_name,
    check_text,
    checked_hotp,
    checked_totp,
    make_totp,
)
from .store import AuditRow, Fingerprints, ImportedUser, TokenRow

__all__ = ["ALREADY_PRESENT", "ImportResult", "import_report"]

ALREADY_PRESENT = "already present"


@dataclass
class ImportResult:
    """What an import stored (tokens, and team usernames) and what it skipped, with the reasons."""

    tokens: list[Token] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(label, reason)`` in the order of the export's entries."""
    present: int = 0
    """How many of the skipped entries are accounts already present."""


def _token_row(service: TokenService, account: transfer.Account, group: str | None) -> TokenRow:
    """The row of a new token for an imported TOTP or HOTP account; a 400 for what cannot be stored."""
    otp = account.otp
    if account.type not in ("totp", "hotp"):
        kind = "Steam" if account.type == "steam" else account.type.upper()
        raise BadRequest(f"{kind} accounts cannot be stored: the service holds TOTP and HOTP tokens")
    name = check_text("name", account.name or "Unknown")
    issuer = check_text("issuer", account.issuer) if account.issuer else None
    algorithm = algorithm_name(otp.digest().name)
    token_id = str(uuid.uuid4())
    if account.type == "hotp":
        counter = getattr(otp, "initial_count", 0)
        hotp = checked_hotp(otp.secret, digits=otp.digits, algorithm=algorithm, counter=counter)
        return service.hotp_row(hotp, token_id, name=name, issuer=issuer, group=group)
    period = getattr(otp, "interval", 30)
    totp = checked_totp(otp.secret, digits=otp.digits, period=period, algorithm=algorithm)
    return service.token_row(totp, token_id, name=name, issuer=issuer, group=group)


def _user(service: TokenService, account: transfer.Account) -> ImportedUser:
    """A team API user of a ``secrets.json`` (a SHA1, 6-digit, 30-second TOTP token)."""
    username = check_text("username", account.name)
    totp = checked_totp(account.otp.secret)
    row = service.token_row(totp, str(uuid.uuid4()), name=username, issuer=None, username=username)
    return ImportedUser(row, lambda token_id: service.box.seal(token_id, totp.secret))


def _fingerprints(service: TokenService) -> Fingerprints:
    """How stored rows get a current fingerprint; an unreadable row gets one that matches nothing."""
    box = service.box

    def compute(token_id: str, sealed: bytes) -> str:
        try:
            secret = box.open(token_id, sealed)
        except StoredSecretError:
            return f"{box.secret_fingerprint_prefix}unreadable:{token_id}"
        return box.secret_fingerprint(make_totp(secret).byte_secret())

    return Fingerprints(box.secret_fingerprint_prefix, compute)


def _label(row: TokenRow) -> str:
    return f"{row.issuer}:{row.name}" if row.issuer else row.name


def _audit(trail: Trail | None) -> Callable[[list[TokenRow], list[TokenRow]], list[AuditRow]] | None:
    """The audit entries of an import by ``trail``: ``import`` per token, ``token.create`` per team user."""
    if trail is None:
        return None

    def entries(rows: list[TokenRow], users: list[TokenRow]) -> list[AuditRow]:
        made = [trail.entry("import", account_ids=[row.id], label=_label(row)) for row in rows]
        return made + [trail.entry("token.create", label=user.username) for user in users]

    return entries


def import_report(
    service: TokenService,
    report: transfer.ImportReport,
    *,
    group: str | None = None,
    keep_groups: bool = False,
    reach: tuple[str, ...] | None = None,
    trail: Trail | None = None,
) -> ImportResult:
    """Stores the accounts of ``report`` in one transaction; entries not stored are listed with the reason.

    Tokens go to ``group``, or with ``keep_groups`` to the first group their export gave them (if
    any); ``reach`` is the caller's groups (None: every account), where accounts count as present.
    """
    team = report.format == "team"
    reasons: dict[int, tuple[str, str]] = {}
    rows: list[tuple[int, TokenRow]] = []
    users: list[tuple[int, ImportedUser]] = []
    for index, entry in enumerate(report.entries):
        if entry.account is None:
            reasons[index] = (entry.label, entry.reason)
            continue
        try:
            if team:
                users.append((index, _user(service, entry.account)))
            else:
                account = entry.account
                own = account.groups[0] if keep_groups and account.groups else group
                rows.append((index, _token_row(service, account, own)))
        except BadRequest as error:
            reasons[index] = (entry.label, error.message)
    stored, outcomes = service.store.import_tokens(
        [row for _, row in rows],
        [user for _, user in users],
        _fingerprints(service),
        groups=reach,
        audit=_audit(trail),
    )
    result = ImportResult()
    for (index, row), new in zip(rows, stored, strict=True):
        if new:
            result.tokens.append(service.token_of(row))
        else:
            reasons[index] = (report.entries[index].label, ALREADY_PRESENT)
    for (index, user), outcome in zip(users, outcomes, strict=True):
        if outcome == "present":
            reasons[index] = (report.entries[index].label, ALREADY_PRESENT)
        else:
            result.usernames.append(str(user.row.username))
    result.skipped = [reasons[index] for index in sorted(reasons)]
    result.present = sum(reason == ALREADY_PRESENT for _, reason in result.skipped)
    return result
