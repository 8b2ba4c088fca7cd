"""``kill -9`` of ``pyotp-rs serve`` in the middle of a write loop: every acknowledged write survives."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from servicekit import is_sqlite

LONG = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


@pytest.mark.slow
def test_kill_9_during_writes_keeps_every_acknowledged_write(service_factory) -> None:
    service = service_factory(workers=2)
    acknowledged: dict[str, str] = {}
    users: list[str] = []
    stop = threading.Event()

    def write_loop() -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 3:
                    response = session.post(
                        service.url + "/api/v1/tokens", json={"name": f"w{i}", "secret": LONG}, timeout=10
                    )
                    if response.status_code == 201:
                        acknowledged[response.json()["data"]["id"]] = f"w{i}"
                else:
                    response = session.post(
                        service.url + "/setup", json={"username": f"u{i}", "secret": LONG}, timeout=10
                    )
                    if response.status_code == 200:
                        users.append(f"u{i}")
            except requests.RequestException:
                return

    writers = [threading.Thread(target=write_loop) for _ in range(3)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in [service.pid, *service.worker_pids()]:
        os.kill(pid, signal.SIGKILL)
    service.process.wait(10)
    stop.set()
    for writer in writers:
        writer.join(30)
    assert len(acknowledged) >= 60

    if is_sqlite(service.db):
        assert service.sql("PRAGMA integrity_check") == [("ok",)]
    stored = dict(service.sql("SELECT id, name FROM tokens WHERE username IS NULL"))
    stored_users = {row[0] for row in service.sql("SELECT username FROM tokens WHERE username IS NOT NULL")}
    assert acknowledged.items() <= stored.items()
    assert set(users) <= stored_users

    restarted = service_factory()
    listed = {token["id"]: token for token in restarted.get("/api/v1/tokens").json()["data"]}
    assert all(listed[token_id]["secret"] == LONG for token_id in acknowledged)
    assert all(restarted.get(f"/get-totp/{user}").status_code == 200 for user in users)
