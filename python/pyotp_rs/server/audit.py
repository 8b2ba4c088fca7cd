"""The audit log: who read which code or secret and who changed what, never a code or a secret.

Changes write their entry in the transaction that makes them (the store's write methods take the
entries); reads write theirs right after (:meth:`AuditLog.record`). Entries older than the
retention are pruned by the service, at most once an hour per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .store import AuditRow, Store

__all__ = ["ACTIONS", "AuditLog", "Trail", "entry_json"]

ACTIONS = (
    "code.read",
    "verify",
    "token.create",
    "token.update",
    "token.delete",
    "tokens.delete_all",
    "import",
    "export",
    "qr.read",
    "secret.read",
    "api_token.create",
    "api_token.revoke",
    "denied",
)
"""Every action the log records."""

PRUNE_EVERY_SECONDS = 3600


@dataclass(frozen=True)
class Trail:
    """Who acts and from where: what every entry of one request or command shares."""

    actor: str | None
    remote_addr: str | None = None

    def entry(
        self, action: str, outcome: str = "ok", account_ids: Sequence[str] = (), label: str | None = None
    ) -> AuditRow:
        """An entry for ``action`` now."""
        return AuditRow(
            at_us=time.time_ns() // 1000,
            actor=self.actor,
            action=action,
            outcome=outcome,
            account_ids=tuple(account_ids),
            label=label,
            remote_addr=self.remote_addr,
        )


CLI = Trail("cli")
"""The trail of CLI actions on the database."""


class AuditLog:
    """Appends entries after reads, prunes those older than ``days``, and lists them."""

    def __init__(self, store: Store, days: int) -> None:
        self.store = store
        self.days = days
        self._next_prune = 0.0
        self._lock = threading.Lock()

    def record(self, entry: AuditRow) -> None:
        """Appends an entry (and prunes, at most once an hour)."""
        self.store.add_audit(entry)
        if time.monotonic() >= self._next_prune:
            self.prune()

    def prune(self) -> int:
        """Deletes the entries older than the retention; returns how many."""
        with self._lock:
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        return self.store.prune_audit(time.time_ns() // 1000 - self.days * 86_400_000_000)

    def entries(
        self, *, limit: int, actor: str | None = None, account: str | None = None, since_us: int | None = None
    ) -> list[AuditRow]:
        """The newest ``limit`` entries, newest first, filtered as asked."""
        return self.store.list_audit(limit=limit, actor=actor, account=account, since_us=since_us)


def entry_json(entry: AuditRow) -> dict[str, Any]:
    """An entry as the API and ``pyotp-rs audit --json`` show it."""
    return {
        "time": datetime.fromtimestamp(entry.at_us / 1_000_000, timezone.utc).isoformat(
            timespec="milliseconds"
        ),
        "actor": entry.actor,
        "action": entry.action,
        "account_ids": list(entry.account_ids),
        "label": entry.label,
        "remote_addr": entry.remote_addr,
        "outcome": entry.outcome,
    }
