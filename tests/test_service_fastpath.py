"""``GET /get-totp/<username>`` answered in front of Flask (``server/fastpath.py``): the same answers and
audit entries as the Flask route for every request, API tokens checked on every request by every
instance, and the audit entry of every answered read stored before the answer left."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from servicekit import ServiceProcess, is_sqlite, run_pyotp_rs, service_env
from werkzeug.test import Client

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PATHS = [
    "/get-totp/alice",
    "/get-totp/al%69ce",
    "/get-totp/j%C3%BCrgen",
    "/get-totp//alice",
    "//get-totp/alice",
    "/get-totp/alice/",
    "/get-totp/bob",
    "/get-totp/",
    "/x/get-totp/alice",
]
PEERS = [
    {"REMOTE_ADDR": "127.0.0.1"},
    {"REMOTE_ADDR": "10.0.0.7"},
    {"REMOTE_ADDR": "127.0.0.1", "Host": "rebound.example"},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.9"},
]


def _answer(client: Client, method: str, path: str, peer: dict[str, str], headers: dict[str, str]) -> Any:
    environ = {key: value for key, value in peer.items() if key != "Host"}
    if "Host" in peer:
        headers = {**headers, "Host": peer["Host"]}
    response = client.open(path, method=method, environ_base=environ, headers=headers)
    return response.status_code, list(response.headers), response.get_data()


def test_fast_answers_and_audit_entries_are_the_flask_routes(tmp_path: Path) -> None:
    from pyotp_rs.server.app import create_app
    from pyotp_rs.server.config import ServiceConfig
    from pyotp_rs.server.service import create_api_token, open_service

    config = ServiceConfig.from_options(db=str(tmp_path / "db.sqlite3"), key_file=str(tmp_path / "key"))
    service = open_service(config)
    app = create_app(config, service=service)
    for username in ("alice", "jürgen", "/alice"):
        service.setup_user(username, SECRET)
    flask_calls = []

    def flask_app(environ: dict[str, Any], start_response: Any) -> Any:
        flask_calls.append(environ["PATH_INFO"])
        return app.wsgi_app.flask_inner(environ, start_response)

    app.wsgi_app.flask_inner = app.wsgi_app.flask
    app.wsgi_app.flask = flask_app
    fast, slow = Client(app), Client(flask_app)

    def compare(headers: dict[str, str]) -> int:
        served_fast = 0
        for method in ("GET", "HEAD", "POST"):
            for path in PATHS:
                for environ in PEERS:
                    while True:  # both answers within one time step, so that they hold the same code
                        step = int(time.time()) // 30
                        before = len(service.audit.entries(limit=1000))
                        del flask_calls[:]
                        ours = _answer(fast, method, path, environ, headers)
                        fast_entries = len(service.audit.entries(limit=1000)) - before
                        to_flask = bool(flask_calls)
                        theirs = _answer(slow, method, path, environ, headers)
                        flask_entries = len(service.audit.entries(limit=1000)) - before - fast_entries
                        if int(time.time()) // 30 == step:
                            break
                    assert ours == theirs, (method, path, environ, headers)
                    assert fast_entries == flask_entries, (method, path, environ, headers)
                    assert method != "GET" or to_flask == (ours[0] != 200), "a GET went the other way"
                    served_fast += not to_flask
        return served_fast

    # alice (two spellings), jürgen and /alice, read by the loopback peer under a loopback Host
    assert compare({}) == 4
    codes = create_api_token(service.store, "codes", role="codes")
    limited = create_api_token(service.store, "limited", role="codes", groups=["infra"])
    assert compare({}) == 0
    assert compare({"Authorization": "Bearer pyotprs_unknown"}) == 0
    assert compare({"Authorization": f"Bearer {limited}"}) == 0
    # the token vouches for any peer, behind a proxy too; the Host is checked still
    assert compare({"Authorization": f"Bearer {codes}"}) == 4 * 3
    del flask_calls[:]
    read = fast.get(
        "/get-totp/alice",
        headers={"Authorization": f"Bearer {codes}"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert read.status_code == 200 and not flask_calls
    entry = service.audit.entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.label, entry.outcome) == ("codes", "code.read", "alice", "ok")
    assert entry.remote_addr == "127.0.0.1"


def api_token(service: ServiceProcess, tmp_path: Path, *args: str) -> str:
    result = run_pyotp_rs("api-token", *args, "--db", service.db, env=service_env(tmp_path))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_revoked_token_is_refused_by_the_next_read_on_every_instance(
    service_factory, tmp_path: Path
) -> None:
    """Two instances on one database, two workers each, every worker having served the token: the
    next read after ``api-token revoke`` is 401 on each instance, and so is every one after it."""
    first = service_factory(workers=2)
    first.post("/setup", json={"username": "alice", "secret": SECRET}).raise_for_status()
    kept = api_token(first, tmp_path, "create", "kept", "--role", "codes")
    revoked = api_token(first, tmp_path, "create", "revoked", "--role", "codes")
    second = service_factory(workers=2)
    instances = (first, second)

    def read(service: ServiceProcess, token: str) -> requests.Response:
        return service.get("/get-totp/alice", headers={"Authorization": f"Bearer {token}"})

    for service in instances:
        for _ in range(8):
            assert read(service, revoked).status_code == 200
    assert api_token(first, tmp_path, "revoke", "revoked") == "API token 'revoked' revoked"
    for service in instances:
        refused = read(service, revoked)
        assert (refused.status_code, refused.json()) == (401, {"error": "Invalid API token"})
    for _ in range(8):
        for service in instances:
            assert read(service, revoked).status_code == 401
            assert read(service, kept).status_code == 200


@pytest.mark.slow
def test_every_answered_read_is_audited_though_the_service_is_killed(service_factory) -> None:
    """Readers count the codes they received; ``kill -9`` of every process mid-stream loses no
    audit entry of a read that was answered."""
    service = service_factory(workers=2)
    service.post("/setup", json={"username": "alice", "secret": SECRET}).raise_for_status()
    before = service.sql("SELECT count(*) FROM audit WHERE action = 'code.read'")[0][0]
    answered = [0, 0, 0]
    stop = threading.Event()

    def read_loop(reader: int) -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                response = session.get(service.url + "/get-totp/alice", timeout=10)
            except requests.RequestException:
                return
            if response.status_code == 200 and len(response.json()["totp"]) == 6:
                answered[reader] += 1

    readers = [threading.Thread(target=read_loop, args=(reader,)) for reader in range(3)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 60
    while sum(answered) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    for pid in [service.pid, *service.worker_pids()]:
        os.kill(pid, signal.SIGKILL)
    service.process.wait(10)
    stop.set()
    for reader in readers:
        reader.join(30)
    assert sum(answered) >= 300
    stored = service.sql("SELECT count(*) FROM audit WHERE action = 'code.read' AND label = 'alice'")[0][0]
    assert stored - before >= sum(answered)


def test_a_code_is_never_answered_when_its_audit_entry_cannot_be_written(service_factory) -> None:
    """The entry is written before the answer: while the database refuses audit entries, a read of a
    code is a 500 without the code (Flask's path, tried after the fast one, refuses the same way)."""
    service = service_factory(workers=2)
    service.post("/setup", json={"username": "alice", "secret": SECRET}).raise_for_status()
    for _ in range(4):
        assert service.get("/get-totp/alice").status_code == 200
    if is_sqlite(service.db):
        service.sql(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        )
    else:
        service.sql(
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ "
            "LANGUAGE plpgsql"
        )
        service.sql(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
        )
    for _ in range(6):
        refused = service.get("/get-totp/alice")
        assert (refused.status_code, refused.json()) == (500, {"error": "Internal server error"})
    service.sql("DROP TRIGGER refuse_audit" + ("" if is_sqlite(service.db) else " ON audit"))
    assert service.get("/get-totp/alice").status_code == 200
