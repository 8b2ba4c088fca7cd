"""Real ``pyotp-rs serve`` processes for the tests: started on a free loopback port, stopped by PID.

``start_service(directory)`` runs the installed ``pyotp-rs serve --port 0`` with its database and
key file in ``directory`` and returns once the server prints the address it listens on. Use the
``service_factory`` fixture (conftest.py), which stops every process it started. ``rfc6238`` is
an independent reference computation for secrets that pyotp 2.12 refuses (under 112 bits).

Every service test runs on both engines (``ENGINES``): ``new_database`` gives an SQLite file in the
test's directory or a new database on the session's PostgreSQL server (started on first use), and
``ServiceProcess.sql`` reads either one.
"""

from __future__ import annotations

import base64
import hmac
import os
import queue
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from pgkit import PostgresServer
from pyotp_rs.server.config import database_url

PYOTP_RS = str(Path(sys.executable).with_name("pyotp-rs"))
ENGINES = ("sqlite", "postgresql")
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which the page tests drive (scripts/check.sh installs it)."""
_LISTENING = re.compile(r"listening on (http://\S+)")
START_TIMEOUT = 60.0


def new_database(engine: str, directory: Path, request: pytest.FixtureRequest) -> str:
    """A ``--db`` for a test: ``directory``'s SQLite file, or a new database on the session's PostgreSQL."""
    if engine == "sqlite":
        return str(directory / "service.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.url(server.new_database())


def is_sqlite(db: str) -> bool:
    """True when ``db`` (a ``--db`` value) is an SQLite file."""
    return database_url(db).startswith("sqlite")


def run_sql(db: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    """Runs one SQL statement, in its own transaction, on the database ``db`` names; returns its rows."""
    engine = sa.create_engine(database_url(db))
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(query), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def service_env(directory: Path, **extra: str) -> dict[str, str]:
    """The environment of a test server: no inherited server key, data directory under ``directory``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYOTP_RS_")}
    env["XDG_DATA_HOME"] = str(directory / "data")
    env.update(extra)
    return env


@dataclass
class ServiceProcess:
    """A running ``pyotp-rs serve`` and an HTTP session to it."""

    process: subprocess.Popen[str]
    url: str
    db: str
    """The ``--db`` it was started with: an SQLite file path or a PostgreSQL URL."""
    key_file: Path
    output: list[str] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def pid(self) -> int:
        """The PID of the server (gunicorn's master process)."""
        return self.process.pid

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Sends one request to the server (a 10 s timeout unless given)."""
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        """Runs one SQL statement on the server's database (see :func:`run_sql`)."""
        return run_sql(self.db, query, **params)

    def worker_pids(self) -> list[int]:
        """The PIDs of the server's worker processes."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Sends ``sig`` to the server's PID and waits for it to exit; returns its exit status."""
        self.session.close()
        if self.process.poll() is None:
            os.kill(self.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(timeout)
        return self.process.returncode


def _pump(stream: Any, lines: queue.Queue[str | None], output: list[str]) -> None:
    for line in stream:
        output.append(line)
        lines.put(line)
    lines.put(None)


def start_service(
    directory: Path,
    *args: str,
    env: dict[str, str] | None = None,
    db: Path | str | None = None,
    key_file: Path | None = None,
    workers: int = 1,
) -> ServiceProcess:
    """Starts ``pyotp-rs serve`` on a free loopback port; raises with its output if it does not start."""
    db = str(db or directory / "service.sqlite3")
    key_file = key_file or directory / "server.key"
    command = [PYOTP_RS, "serve", "--port", "0", "--db", str(db), "--key-file", str(key_file)]
    command += ["--workers", str(workers), *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env if env is not None else service_env(directory),
    )
    output: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines, output), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
            raise RuntimeError(f"pyotp-rs serve did not start (status {process.poll()}):\n{''.join(output)}")
        match = _LISTENING.search(line)
        if match:
            return ServiceProcess(
                process=process, url=match.group(1), db=db, key_file=key_file, output=output
            )


def run_pyotp_rs(*args: str, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Runs a ``pyotp-rs`` command to completion (for commands and for starts that must fail)."""
    return subprocess.run(
        [PYOTP_RS, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def rfc6238(secret: str, for_time: int, *, digits: int = 6, period: int = 30, digest: str = "sha1") -> str:
    """RFC 6238 from its definition: HMAC of the big-endian time step, dynamic truncation."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", for_time // period), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
