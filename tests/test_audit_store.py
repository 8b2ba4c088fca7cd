"""The audit log in the store, on SQLite and PostgreSQL: entries about several accounts share one stored
id set, filters see through it, pruning drops old entries and the sets nothing names any more."""

from __future__ import annotations

import time
import uuid

from pyotp_rs.server import store as store_module
from pyotp_rs.server.config import database_url
from pyotp_rs.server.store import AuditRow, Store


def entry(at_us: int, actor: str, ids: tuple[str, ...], action: str = "code.read") -> AuditRow:
    return AuditRow(at_us=at_us, actor=actor, action=action, outcome="ok", account_ids=ids, remote_addr="::1")


def test_a_set_of_ids_is_stored_once_and_read_back_whole(database: str) -> None:
    store = Store(database_url(database))
    store.migrate()
    ids = tuple(str(uuid.uuid4()) for _ in range(300))
    for number in range(5):
        store.add_audit(entry(1_000 + number, "page", ids))
    store.add_audit(entry(2_000, "one", (ids[7],)))
    with store.engine.connect() as connection:
        sets = connection.exec_driver_sql("SELECT count(*) FROM audit_sets").scalar()
        stored = connection.exec_driver_sql("SELECT count(*) FROM audit WHERE account_ids IS NULL").scalar()
    assert (sets, stored) == (1, 5)
    entries = store.list_audit(limit=10)
    assert [e.actor for e in entries] == ["one"] + ["page"] * 5
    assert entries[1].account_ids == ids and entries[0].account_ids == (ids[7],)
    assert len(store.list_audit(limit=10, account=ids[7])) == 6
    assert len(store.list_audit(limit=10, account=ids[8])) == 5
    assert store.list_audit(limit=10, account=ids[8][:-1]) == []  # whole ids only
    assert store.list_audit(limit=10, actor="no\x00body") == []
    store.dispose()


def test_pruning_keeps_recent_entries_and_the_sets_they_name(database: str, monkeypatch) -> None:
    store = Store(database_url(database))
    store.migrate()
    now_us = time.time_ns() // 1000
    old_ids = ("a", "b")
    new_ids = ("c", "d")
    store.add_audit(entry(now_us - 10_000_000, "old", old_ids))
    store.add_audit(entry(now_us, "new", new_ids))
    monkeypatch.setattr(store_module, "AUDIT_SET_CONFIRM_SECONDS", -1)  # every set counts as stale
    assert store.prune_audit(now_us - 1_000_000) == 1
    assert [(e.actor, e.account_ids) for e in store.list_audit(limit=10)] == [("new", new_ids)]
    with store.engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT account_ids FROM audit_sets").scalars().all()
    assert left == ["c d"]
    store.dispose()


def test_a_nul_is_stored_as_a_replacement_character(database: str) -> None:
    store = Store(database_url(database))
    store.migrate()
    store.add_audit(AuditRow(at_us=1, actor="x", action="denied", outcome="403 GET /a\x00b"))
    assert store.list_audit(limit=1)[0].outcome == "403 GET /a\ufffdb"
    store.dispose()
