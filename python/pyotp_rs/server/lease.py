"""Service leases: each running ``pyotp-rs serve`` process says in the database that it holds it.

``pyotp-rs rotate-key`` re-encrypts every secret under a new key; a running service would keep the
old key, answer 500 for the re-encrypted rows and seal new tokens under a key that no longer exists.
So rotation reads the leases in its own transaction and refuses while one is live.

A lease is a row of the ``settings`` table (``lease:ID``) holding its host, process id and expiry.
The master process writes one before it opens the database (it covers the start); each worker
writes its own and renews it every :data:`RENEW_SECONDS` from a thread, and drops it on a clean
exit. A lease is stale once it expires (:data:`LEASE_SECONDS`, for a service killed on another
host), or at once when it names this host and a process that no longer runs (``kill -9``).
Several instances on one PostgreSQL each hold their own leases.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from .keys import ServerKeyError
from .store import Store

__all__ = ["LEASE_SECONDS", "RENEW_SECONDS", "Lease", "WorkerLease", "hold_start_lease", "refuse_live_leases"]

LEASE_SECONDS = 30
RENEW_SECONDS = 10

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    """Who holds a lease (host and process id) and until when (Unix microseconds)."""

    host: str
    pid: int
    expires_us: int

    def text(self) -> str:
        """The stored form (JSON)."""
        return json.dumps({"host": self.host, "pid": self.pid, "expires_us": self.expires_us})

    @classmethod
    def parse(cls, text: str) -> Lease | None:
        """The lease stored as ``text``; None for a row that is not one (it is ignored)."""
        try:
            data = json.loads(text)
            return cls(host=str(data["host"]), pid=int(data["pid"]), expires_us=int(data["expires_us"]))
        except (ValueError, TypeError, KeyError):
            return None

    def live(self, now_us: int) -> bool:
        """Unexpired, and, on this host, held by a process that still runs."""
        if self.expires_us <= now_us:
            return False
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _mine() -> Lease:
    return Lease(socket.gethostname(), os.getpid(), time.time_ns() // 1000 + LEASE_SECONDS * 1_000_000)


def refuse_live_leases(holders: list[str]) -> None:
    """Raises :class:`ServerKeyError` when one of the stored leases is live (a service is running)."""
    now_us = time.time_ns() // 1000
    live = [lease for lease in map(Lease.parse, holders) if lease is not None and lease.live(now_us)]
    if live:
        lease = live[0]
        until = datetime.fromtimestamp(lease.expires_us / 1e6, timezone.utc).isoformat(timespec="seconds")
        raise ServerKeyError(
            f"a running service holds this database (process {lease.pid} on {lease.host}, lease renewed until "
            f"{until}): stop every 'pyotp-rs serve' on it first, then rotate; nothing was changed"
        )


def hold_start_lease(store: Store) -> str:
    """Writes the master process's lease (not renewed: it covers the start, until the workers hold theirs)."""
    lease_id = uuid.uuid4().hex
    store.put_lease(lease_id, _mine().text())
    return lease_id


class WorkerLease:
    """A worker's lease, renewed by a daemon thread until :meth:`release`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._id = uuid.uuid4().hex
        self._stop = threading.Event()
        self._store.put_lease(self._id, _mine().text())
        threading.Thread(target=self._renew, name="pyotp-rs lease", daemon=True).start()

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_SECONDS):
            try:
                self._store.put_lease(self._id, _mine().text())
            except sa.exc.SQLAlchemyError:  # the database may be down for a while: retry at the next renewal
                _log.exception("could not renew the service lease")

    def release(self) -> None:
        """Stops renewing and drops the lease."""
        self._stop.set()
        try:
            self._store.drop_lease(self._id)
        except sa.exc.SQLAlchemyError:  # it expires by itself
            _log.exception("could not drop the service lease")


def gunicorn_hooks(store: Store) -> dict[str, Callable[..., Any]]:
    """gunicorn server hooks: each worker holds a lease from its start to its exit."""
    held: list[WorkerLease] = []

    def post_worker_init(_worker: Any) -> None:
        held.append(WorkerLease(store))

    def worker_exit(_server: Any, _worker: Any) -> None:
        for lease in held:
            lease.release()

    return {"post_worker_init": post_worker_init, "worker_exit": worker_exit}
