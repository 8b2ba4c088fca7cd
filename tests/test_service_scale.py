"""Verification shared by every worker and instance: real ``pyotp-rs serve`` processes on one database.

Two instances with several workers each on one PostgreSQL (and one SQLite instance with four
workers): concurrent submissions of one valid code are accepted exactly once, concurrent wrong
guesses are counted up to the limit and refused with 429 after it, and a worker killed with
``kill -9`` mid-request loses nothing that was acknowledged while the others keep serving.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable

import pyotp
import pytest
import requests
from servicekit import ServiceProcess

ROUNDS = 50
CLIENTS = 8
SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def concurrently(targets: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Runs every call at once (released together by a barrier) and returns their responses."""
    barrier = threading.Barrier(len(targets))
    results: list[requests.Response | BaseException | None] = [None] * len(targets)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = targets[index]()
        except requests.RequestException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    responses = [r for r in results if isinstance(r, requests.Response)]
    assert len(responses) == len(targets), results
    return responses


def new_token(service: ServiceProcess, name: str) -> str:
    response = service.post("/api/v1/tokens", json={"name": name, "secret": SECRET})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def post_later(session: requests.Session, url: str, body: dict[str, str]) -> Callable[[], requests.Response]:
    """A call that posts ``body`` to ``url`` (for :func:`concurrently`)."""
    return lambda: session.post(url, json=body, timeout=30)


def same_code_rounds(instances: list[ServiceProcess]) -> list[Counter[str]]:
    """``ROUNDS`` rounds, each: ``CLIENTS`` clients spread over ``instances`` submit one token's current code."""
    sessions = [requests.Session() for _ in range(CLIENTS)]
    outcomes: list[Counter[str]] = []
    for round_ in range(ROUNDS):
        token_id = new_token(instances[round_ % len(instances)], f"round{round_}")
        body = {"code": pyotp.TOTP(SECRET).now()}
        urls = [
            f"{instances[c % len(instances)].url}/api/v1/tokens/{token_id}/verify" for c in range(CLIENTS)
        ]
        responses = concurrently([post_later(sessions[c], urls[c], body) for c in range(CLIENTS)])
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        outcomes.append(
            Counter("valid" if r.json()["data"]["valid"] else r.json()["data"]["reason"] for r in responses)
        )
    return outcomes


ON_POSTGRESQL = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def two_instances(service_factory) -> list[ServiceProcess]:
    """Two ``serve`` instances with three workers each on one database (and one server key)."""
    return [service_factory(workers=3) for _ in range(2)]


@pytest.mark.slow
@ON_POSTGRESQL
def test_one_code_is_accepted_once_across_two_instances_on_postgresql(two_instances) -> None:
    outcomes = same_code_rounds(two_instances)
    assert outcomes == [Counter(valid=1, replayed=CLIENTS - 1)] * ROUNDS


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_one_code_is_accepted_once_across_four_sqlite_workers(service_factory) -> None:
    outcomes = same_code_rounds([service_factory(workers=4)])
    assert outcomes == [Counter(valid=1, replayed=CLIENTS - 1)] * ROUNDS


@ON_POSTGRESQL
def test_concurrent_wrong_guesses_across_instances_are_counted_up_to_the_limit(two_instances) -> None:
    token_id = new_token(two_instances[0], "guessed")
    path = f"/api/v1/tokens/{token_id}/verify"
    code = pyotp.TOTP(SECRET).now()
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    responses = concurrently(
        [post_later(requests.Session(), two_instances[i % 2].url + path, {"code": wrong}) for i in range(20)]
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 5, 429: 15})
    assert all(
        r.json()["data"] == {"valid": False, "reason": "invalid"} for r in responses if r.status_code == 200
    )
    for response in (r for r in responses if r.status_code == 429):
        assert response.json()["success"] is False
        assert 1 <= int(response.headers["Retry-After"]) <= 300
    # The budget is spent everywhere: even the right code is refused until the window ends.
    for instance in two_instances:
        assert instance.post(path, json={"code": pyotp.TOTP(SECRET).now()}).status_code == 429


@pytest.mark.slow
@ON_POSTGRESQL
def test_a_worker_killed_mid_request_loses_nothing_acknowledged(two_instances) -> None:
    service = two_instances[0]
    acknowledged: dict[str, str] = {}
    accepted: list[tuple[str, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def client(number: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                response = session.post(
                    service.url + "/api/v1/tokens",
                    json={"name": f"c{number}-{i}", "secret": SECRET},
                    timeout=30,
                )
                if response.status_code != 201:
                    continue
                token_id = response.json()["data"]["id"]
                acknowledged[token_id] = f"c{number}-{i}"
                code = pyotp.TOTP(SECRET).now()
                verdict = session.post(
                    f"{service.url}/api/v1/tokens/{token_id}/verify", json={"code": code}, timeout=30
                )
                if verdict.status_code == 200 and verdict.json()["data"]["valid"]:
                    accepted.append((token_id, code))
            except requests.RequestException as error:
                failures.append(error)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    workers = service.worker_pids()
    assert len(workers) == 3
    for victim in workers:
        time.sleep(1.0)
        os.kill(victim, signal.SIGKILL)
    time.sleep(1.0)
    stop.set()
    for thread in clients:
        thread.join(60)
    assert len(acknowledged) >= 20 and accepted

    # The master replaced the killed workers and every instance still serves.
    deadline = time.monotonic() + 30
    while len(service.worker_pids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(service.worker_pids()) == 3 and not set(service.worker_pids()) & set(workers)
    for instance in two_instances:
        listed = {t["id"]: t["name"] for t in instance.get("/api/v1/tokens").json()["data"]}
        assert acknowledged.items() <= listed.items()
        # Every acknowledged acceptance is still recorded: the same code is a replay now.
        for token_id, code in accepted[:10]:
            verdict = instance.post(f"/api/v1/tokens/{token_id}/verify", json={"code": code}).json()["data"]
            assert verdict == {"valid": False, "reason": "replayed"}


@ON_POSTGRESQL
def test_connections_the_database_dropped_are_replaced(service_factory) -> None:
    """After PostgreSQL ends every connection (as a restart does), the next requests succeed on new ones."""
    service = service_factory(workers=2)
    token_id = new_token(service, "t")
    verify = f"/api/v1/tokens/{token_id}/verify"
    for _ in range(6):  # every worker holds connections now
        assert service.get("/api/v1/codes").status_code == 200
        assert service.post(verify, json={"code": "000000"}).status_code in (200, 429)
    ended = service.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    assert len(ended) >= 2 and all(row == (True,) for row in ended)
    for _ in range(6):
        assert service.get("/api/v1/codes").json()["data"][0]["id"] == token_id
        assert service.get(f"/api/v1/tokens/{token_id}/code").status_code == 200
        assert service.post(verify, json={"code": pyotp.TOTP(SECRET).now()}).status_code in (200, 429)
        assert service.post("/api/v1/tokens", json={"name": "u", "secret": SECRET}).status_code == 201
