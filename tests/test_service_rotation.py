"""``pyotp-rs rotate-key`` against running services (issue 24.2), on SQLite and on PostgreSQL.

A running service keeps the key it started with, so rotation under it would leave its workers
answering 500 for re-encrypted rows and sealing new tokens under a deleted key. Each service holds
leases in the database; rotation refuses while one is live, and the leases of a stopped or killed
service do not block it.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from servicekit import ServiceProcess, run_pyotp_rs, service_env

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
REFUSED = "a running service holds this database"


def rotate(service: ServiceProcess, tmp_path: Path):
    return run_pyotp_rs(
        "rotate-key", "--db", service.db, "--key-file", str(service.key_file), env=service_env(tmp_path)
    )


def add_token(service: ServiceProcess, name: str) -> dict:
    response = service.post("/api/v1/tokens", json={"name": name, "secret": SECRET})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_rotation_is_refused_while_any_instance_runs(service_factory, tmp_path: Path) -> None:
    first, second = service_factory(workers=2), service_factory(workers=2)
    made = add_token(first, "alice")
    key = first.key_file.read_text()
    result = rotate(first, tmp_path)
    assert result.returncode == 1
    assert REFUSED in result.stderr and "nothing was changed" in result.stderr
    assert first.key_file.read_text() == key and not Path(f"{first.key_file}.new").exists()
    # Nothing was lost: both instances read the old token and store new ones.
    later = add_token(second, "bob")
    for instance in (first, second):
        assert [t["id"] for t in instance.get("/api/v1/tokens").json()["data"]] == [made["id"], later["id"]]
    first.stop()
    assert REFUSED in rotate(first, tmp_path).stderr
    second.stop()
    result = rotate(first, tmp_path)
    assert result.returncode == 0, result.stderr
    assert first.key_file.read_text() != key
    again = service_factory()
    assert again.get("/api/v1/tokens").json()["data"] == [made, later]


def test_a_killed_service_does_not_block_rotation(service_factory, tmp_path: Path) -> None:
    service = service_factory(workers=2)
    made = add_token(service, "alice")
    workers = service.worker_pids()
    assert workers
    service.stop(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    result = rotate(service, tmp_path)
    assert result.returncode == 0, result.stderr
    again = service_factory()
    assert again.get("/api/v1/tokens").json()["data"] == [made]


def test_leases_of_other_hosts_block_until_they_expire(service_factory, tmp_path: Path) -> None:
    service = service_factory()
    add_token(service, "alice")
    service.stop()
    lease = {
        "host": "elsewhere.invalid",
        "pid": os.getpid(),
        "expires_us": time.time_ns() // 1000 + 60_000_000,
    }
    service.sql("INSERT INTO settings (key, value) VALUES ('lease:other', :value)", value=json.dumps(lease))
    result = rotate(service, tmp_path)
    assert result.returncode == 1
    assert f"{REFUSED} (process {os.getpid()} on elsewhere.invalid" in result.stderr
    lease["expires_us"] = time.time_ns() // 1000 - 1
    service.sql("UPDATE settings SET value = :value WHERE key = 'lease:other'", value=json.dumps(lease))
    assert rotate(service, tmp_path).returncode == 0
