"""Attacks on ``pyotp-rs serve`` open on loopback, sent for real over HTTP: DNS rebinding (a foreign
Host), cross-site writes (forms, ``text/plain``, foreign ``Origin``, ``Sec-Fetch-Site``), proxies,
the WSGI factory under a peer that is not loopback, framing, and slow clients.

Every refused request is checked for what matters: no secret and no code in the answer, nothing
created, changed or deleted.
"""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
import requests
from pyotp_rs.server import create_app
from pyotp_rs.server.config import ServiceConfig
from servicekit import ServiceProcess, run_pyotp_rs, service_env, start_service

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
OTHER = "GEZDGNBVGY3TQOJQGEZDGNBVGY"
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_service(tmp_path_factory.mktemp("security"))
    yield process
    process.stop()


@pytest.fixture
def service(server: ServiceProcess) -> ServiceProcess:
    """The module's server holding one token and the team user alice, both with ``SECRET``."""
    assert server.delete("/api/v1/tokens").status_code == 200
    assert (
        server.post("/api/v1/tokens", json={"name": "alice@example.com", "secret": SECRET}).status_code == 201
    )
    assert server.post("/setup", json={"username": "alice", "secret": SECRET}).status_code == 200
    return server


def port(service: ServiceProcess) -> int:
    return urlsplit(service.url).port or 80


def token_ids(service: ServiceProcess) -> list[str]:
    return [row[0] for row in service.sql("SELECT id FROM tokens ORDER BY id")]


def alice_secret(service: ServiceProcess) -> list[tuple[object, ...]]:
    """Team user alice's stored (sealed) secret: what a takeover through /setup would replace."""
    return service.sql("SELECT id, secret_sealed FROM tokens WHERE username = 'alice'")


def reading_paths(service: ServiceProcess) -> list[str]:
    token_id = service.get("/api/v1/tokens").json()["data"][0]["id"]
    return [
        "/api/v1/export?format=uris",
        "/api/v1/tokens",
        "/api/v1/codes",
        "/api/v1/codes/next",
        f"/api/v1/tokens/{token_id}",
        f"/api/v1/tokens/{token_id}/code",
        f"/api/v1/tokens/{token_id}/qr",
        "/get-totp/alice",
    ]


def assert_nothing_revealed(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.text
    totp = pyotp.TOTP(SECRET)
    now = time.time()
    assert SECRET not in body and "otpauth" not in body
    assert not any(totp.at(now + drift) in body for drift in (-30, 0, 30))


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", "localhost.evil.example:{port}", ""],
)
def test_foreign_hosts_read_nothing(service: ServiceProcess, host: str) -> None:
    for path in reading_paths(service):
        response = service.get(path, headers={"Host": host.format(port=port(service))})
        assert_nothing_revealed(response)
        assert response.status_code == 421, (path, response.text)
    assert service.get("/", headers={"Host": "evil.example"}).status_code == 421


@pytest.mark.parametrize(
    "host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "localhost", "app.localhost:{port}"]
)
def test_loopback_hosts_are_served(service: ServiceProcess, host: str) -> None:
    for path in reading_paths(service):
        response = service.get(path, headers={"Host": host.format(port=port(service))})
        assert response.status_code == 200, (path, response.text)


def test_allowed_host_adds_a_name(tmp_path: Path) -> None:
    server = start_service(tmp_path, "--allowed-host", "totp.internal")
    try:
        assert server.get("/api/v1/tokens", headers={"Host": "totp.internal:8045"}).status_code == 200
        assert server.get("/api/v1/tokens", headers={"Host": "evil.example"}).status_code == 421
    finally:
        server.stop()


def test_allowed_hosts_from_the_environment(tmp_path: Path) -> None:
    env = service_env(tmp_path, PYOTP_RS_ALLOWED_HOSTS="a.internal, b.internal")
    server = start_service(tmp_path, env=env)
    try:
        for host in ("a.internal", "b.internal:1"):
            assert server.get("/api/v1/tokens", headers={"Host": host}).status_code == 200
        assert server.get("/api/v1/tokens", headers={"Host": "c.internal"}).status_code == 421
    finally:
        server.stop()


FORM_BODY = f'{{"name":"planted","secret":"{OTHER}","x":"="}}'
CROSS_SITE_WRITES = [
    ("POST", "/api/v1/tokens", {"Content-Type": "text/plain", "Origin": EVIL}, FORM_BODY),
    (
        "POST",
        "/api/v1/tokens",
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": EVIL},
        f"name=planted&secret={OTHER}",
    ),
    (
        "POST",
        "/api/v1/tokens",
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        FORM_BODY,
    ),
    (
        "POST",
        "/api/v1/tokens",
        {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
        FORM_BODY,
    ),
    ("POST", "/api/v1/tokens", {"Content-Type": "application/json", "Origin": "null"}, FORM_BODY),
    ("POST", "/api/v1/tokens", {"Content-Type": "text/plain"}, FORM_BODY),
    ("POST", "/api/v1/tokens", {}, FORM_BODY),
    ("POST", "/setup", {"Content-Type": "text/plain"}, f'{{"username":"alice","secret":"{OTHER}"}}'),
    (
        "POST",
        "/setup",
        {"Content-Type": "application/json", "Origin": f"{EVIL}:8045"},
        f'{{"username":"alice","secret":"{OTHER}"}}',
    ),
    ("POST", "/api/v1/import", {"Content-Type": "text/plain"}, f"otpauth://totp/planted?secret={OTHER}"),
    (
        "POST",
        "/api/v1/import",
        {"Content-Type": "text/plain", "Origin": EVIL},
        f"otpauth://totp/planted?secret={OTHER}",
    ),
    ("DELETE", "/api/v1/tokens", {"Origin": EVIL}, None),
    ("DELETE", "/api/v1/tokens", {"Sec-Fetch-Site": "cross-site"}, None),
    ("DELETE", "/api/v1/tokens/{id}", {"Origin": EVIL}, None),
    ("DELETE", "/api/v1/tokens/{id}", {"Sec-Fetch-Site": "cross-site"}, None),
    (
        "POST",
        "/api/v1/tokens/{id}/verify",
        {"Content-Type": "text/plain", "Origin": EVIL},
        '{"code":"000000"}',
    ),
]


@pytest.mark.parametrize(("method", "path", "headers", "body"), CROSS_SITE_WRITES)
def test_cross_site_writes_change_nothing(
    service: ServiceProcess, method: str, path: str, headers: dict[str, str], body: str | None
) -> None:
    before_ids, before_secret = token_ids(service), alice_secret(service)
    token_id = service.get("/api/v1/tokens").json()["data"][0]["id"]
    response = service.request(method, path.format(id=token_id), headers=headers, data=body)
    assert response.status_code in (400, 403, 415), response.text
    assert response.json()  # JSON in the API's shape, never HTML
    assert token_ids(service) == before_ids
    assert alice_secret(service) == before_secret
    assert service.sql("SELECT failures FROM tokens WHERE id = :id", id=token_id) == [(0,)]


def test_a_multipart_import_from_a_foreign_origin_is_refused(service: ServiceProcess) -> None:
    before = token_ids(service)
    uris = f"otpauth://totp/planted?secret={OTHER}".encode()
    response = service.post("/api/v1/import", files={"file": ("x.txt", uris)}, headers={"Origin": EVIL})
    assert response.status_code == 403
    assert token_ids(service) == before
    without_origin = service.post("/api/v1/import", files={"file": ("x.txt", uris)})
    assert without_origin.status_code == 403, "a form needs no Authorization: it could come from any page"
    assert token_ids(service) == before


def test_own_origin_and_scripts_keep_working(service: ServiceProcess) -> None:
    own = service.post(
        "/api/v1/tokens",
        json={"name": "bob", "secret": OTHER},
        headers={"Origin": service.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 201, own.text
    assert "Access-Control-Allow-Origin" not in own.headers
    uris = b"otpauth://totp/carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    upload = service.post("/api/v1/import", files={"file": ("x.txt", uris)}, headers={"Origin": service.url})
    assert upload.status_code == 201, upload.text
    # curl: no Origin, JSON (another secret: an account already present is not imported again)
    scripted = service.post(
        "/api/v1/import", json={"data": "otpauth://totp/dave?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}
    )
    assert scripted.status_code == 201, scripted.text
    assert service.delete(f"/api/v1/tokens/{own.json()['data']['id']}").status_code == 200


def test_no_cors_for_a_foreign_origin(service: ServiceProcess) -> None:
    for method, path in [("GET", "/api/v1/tokens"), ("OPTIONS", "/api/v1/tokens"), ("GET", "/api/v1/health")]:
        response = service.request(
            method, path, headers={"Origin": EVIL, "Access-Control-Request-Method": "DELETE"}
        )
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Forwarded-For": "203.0.113.5"},
        {"Forwarded": "for=203.0.113.5"},
        {"X-Real-IP": "203.0.113.5"},
    ],
)
def test_proxied_requests_are_not_served_open(service: ServiceProcess, headers: dict[str, str]) -> None:
    for path in reading_paths(service):
        response = service.get(path, headers=headers)
        assert_nothing_revealed(response)
        assert response.status_code == 401
        assert "pyotp-rs api-token create" in response.json().get("error", "")


def test_page_headers_on_every_html_answer(service: ServiceProcess) -> None:
    for path in ("/", "/api/docs"):
        response = service.get(path)
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy or "script-src 'self';" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert service.get("/assets/index.html").status_code == 404
    assert service.get("/assets/page.js").status_code == 200


def test_gunicorn_and_routing_errors_are_json(service: ServiceProcess) -> None:
    long = service.get("/api/v1/tokens/" + "x" * 9000)
    assert long.status_code == 414
    assert long.json() == {"success": False, "error": long.json()["error"]}
    for path in ("//api/v1/tokens", "/api/v1//tokens", "/api/v1/tokens/"):
        response = service.get(path, allow_redirects=False)
        assert response.status_code in (200, 404), (path, response.status_code)  # never a 308 in HTML
        assert response.headers["Content-Type"].startswith("application/json")


def test_create_app_serves_nothing_to_a_remote_peer(tmp_path: Path) -> None:
    config = ServiceConfig.from_options(db=str(tmp_path / "db.sqlite3"), key_file=str(tmp_path / "key"))
    app = create_app(config)
    client = app.test_client()
    local = client.post(
        "/api/v1/tokens", json={"name": "x", "secret": SECRET}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    assert local.status_code == 201
    for path in ("/api/v1/tokens", "/api/v1/codes", "/api/v1/export?format=uris"):
        response = client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.5"})
        assert response.status_code == 401
        assert SECRET not in response.get_data(as_text=True)
    everywhere = create_app(
        ServiceConfig.from_options(
            db=str(tmp_path / "db.sqlite3"), key_file=str(tmp_path / "key"), host="0.0.0.0"
        )
    )
    response = everywhere.test_client().get("/api/v1/tokens", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert response.status_code == 401


def test_trusted_proxy_needs_tokens(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    db = str(tmp_path / "service.sqlite3")
    key = str(tmp_path / "server.key")
    refused = run_pyotp_rs(
        "serve", "--port", "0", "--db", db, "--key-file", key, "--trusted-proxy", "127.0.0.1", env=env
    )
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "without API tokens" in refused.stderr
    created = run_pyotp_rs("api-token", "create", "proxy", "--db", db, env=env)
    token = created.stdout.strip()
    server = start_service(tmp_path, "--trusted-proxy", "127.0.0.1", db=db)
    try:
        assert server.get("/api/v1/tokens").status_code == 401
        authorized = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.7, 203.0.113.5"}
        created = server.post("/api/v1/tokens", json={"name": "x", "secret": SECRET}, headers=authorized)
        assert created.status_code == 201
        assert server.get("/api/v1/tokens", headers=authorized).status_code == 200
        addresses: set[tuple[str, str]] = set()
        for _ in range(50):  # a read's entry is written right after its answer
            audit = server.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}).json()["data"]
            addresses = {(e["action"], e["remote_addr"]) for e in audit if e["actor"] == "proxy"}
            if len(addresses) == 2:
                break
            time.sleep(0.1)
        # the hop the trusted proxy added, not the proxy's address
        assert addresses == {("token.create", "203.0.113.5"), ("secret.read", "203.0.113.5")}
    finally:
        server.stop()


def test_a_busy_port_is_one_line_and_no_file(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        db = tmp_path / "new.sqlite3"
        result = run_pyotp_rs("serve", "--port", str(busy), "--db", str(db), env=service_env(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"pyotp-rs: error: cannot listen on 127.0.0.1:{busy}: ")
    assert result.stderr.count("\n") == 1
    assert not db.exists()


@pytest.mark.slow
def test_slow_clients_cannot_starve_the_service(service: ServiceProcess) -> None:
    address = ("127.0.0.1", port(service))
    stalled = [socket.create_connection(address) for _ in range(2)]
    silent = [socket.create_connection(address) for _ in range(2)]
    try:
        for connection in stalled:
            connection.sendall(b"POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n")
        time.sleep(0.5)
        started = time.monotonic()
        assert service.get("/api/v1/health", timeout=2).status_code == 200
        assert service.get("/api/v1/tokens", timeout=2).status_code == 200
        assert time.monotonic() - started < 2
        # A stalled request is dropped after the read timeout, freeing its thread.
        stalled[0].settimeout(30)
        try:
            answer = stalled[0].recv(1024)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer
        assert time.monotonic() - started < 20
    finally:
        for connection in stalled + silent:
            connection.close()


@pytest.mark.slow
def test_a_silent_connection_is_closed(service: ServiceProcess) -> None:
    silent = socket.create_connection(("127.0.0.1", port(service)))
    try:
        silent.settimeout(30)
        started = time.monotonic()
        try:
            answer = silent.recv(1024)
        except ConnectionResetError:
            answer = b""
        assert answer == b""
        assert 4 < time.monotonic() - started < 15
        assert service.get("/api/v1/health", timeout=2).status_code == 200
    finally:
        silent.close()


def test_serve_stops_within_seconds_of_sigterm(tmp_path: Path) -> None:
    process = start_service(tmp_path, workers=2)
    try:
        assert process.get("/get-totp/nobody").status_code == 404
        started = time.monotonic()
        assert process.stop() == 0
        assert time.monotonic() - started < 5
    finally:
        process.stop(signal.SIGKILL)
