"""``pyotp-rs serve`` as a command: what it prints, how it stops, what it refuses, what it imports."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pyotp_rs.cli.errors import database_error
from pyotp_rs.server.config import database_url
from servicekit import run_pyotp_rs, service_env


def test_start_prints_database_auth_and_address_and_ctrl_c_stops(service_factory, database: str) -> None:
    service = service_factory()
    assert service.output[:2] == [
        f"pyotp-rs serve: database {database_url(database)}\n",
        "pyotp-rs serve: auth off (loopback only, no API tokens)\n",
    ]
    assert service.output[2] == f"pyotp-rs serve: listening on {service.url} (Ctrl-C stops)\n"
    assert service.get("/api/v1/health").status_code == 200
    assert service.stop(signal.SIGINT) == 0
    assert "Traceback" not in "".join(service.output)


def test_default_database_and_key_file_are_in_the_data_directory(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    created = run_pyotp_rs("api-token", "create", "probe", env=env)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "data" / "pyotp-rs" / "service.sqlite3").exists()
    listing = run_pyotp_rs(
        "api-token", "list", "--db", f"sqlite:///{tmp_path / 'data/pyotp-rs/service.sqlite3'}", env=env
    )
    assert listing.stdout.splitlines()[1].startswith("probe ")


@pytest.mark.parametrize(
    ("db", "message"),
    [
        (
            "mysql://user@host/db",
            "--db: unsupported database 'mysql'; use a file path, sqlite:///PATH or postgresql://USER@HOST/DB",
        ),
        ("sqlite://", "--db: the service needs a database file that all its workers share"),
        ("sqlite:///:memory:", "--db: the service needs a database file that all its workers share"),
    ],
)
def test_unsupported_databases_are_refused(tmp_path: Path, db: str, message: str) -> None:
    result = run_pyotp_rs("serve", "--db", db, env=service_env(tmp_path))
    assert (result.returncode, result.stderr) == (1, f"pyotp-rs: error: {message}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "argument --port: must be from 0 to 65535, not '70000'"),
        (["--workers", "0"], "argument --workers: must be from 1 to 64, not '0'"),
        (["--verify-limit", "0"], "argument --verify-limit: must be from 1 to 1000, not '0'"),
        (["--verify-window", "x"], "argument --verify-window: must be an integer, not 'x'"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_pyotp_rs("serve", *args, env=service_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"pyotp-rs: error: {message}")


def test_an_unusable_key_file_path_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_pyotp_rs(
        "serve", "--db", str(tmp_path / "db.sqlite3"), "--key-file", str(blocker / "server.key"),
        env=service_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"pyotp-rs: error: cannot create key file {blocker / 'server.key'}")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("command", "db", "reason"),
    [
        (["serve"], "postgresql://alice:hunter2-pw@127.0.0.1:1/db", "connection failed: "),
        (["api-token", "list"], "postgresql://alice:hunter2-pw@127.0.0.1:1/db", "connection failed: "),
        (["serve"], "DIRECTORY", "unable to open database file"),
        (["rotate-key"], "DIRECTORY", "unable to open database file"),
    ],
)
def test_a_database_that_cannot_be_opened_is_one_line_without_the_password(
    tmp_path: Path, command: list[str], db: str, reason: str
) -> None:
    """An unreachable PostgreSQL server or a directory as ``--db``: one line, exit 1, no traceback or password."""
    directory = tmp_path / "a-directory"
    directory.mkdir()
    result = run_pyotp_rs(
        *command, "--db", str(directory) if db == "DIRECTORY" else db, env=service_env(tmp_path)
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"pyotp-rs: error: cannot open the database: {reason}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_database_errors_mask_passwords() -> None:
    """Passwords a driver echoes, in a URL or a libpq connection string, never reach the terminal."""

    class DriverError(Exception):
        orig = Exception("bad dsn postgresql://alice:s3cret@db/x and host=db password=s3cret\nsecond line")

    assert database_error(DriverError()) == (
        "cannot open the database: bad dsn postgresql://alice:***@db/x and host=db password=***"
    )


@pytest.mark.parametrize("command", ["import pyotp_rs", "import pyotp_rs.cli; pyotp_rs.cli.build_parser()"])
def test_the_library_and_cli_do_not_import_the_server_stack(command: str) -> None:
    check = f"{command}; import sys; assert not {{'flask', 'sqlalchemy', 'gunicorn'}} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", check], check=True)
