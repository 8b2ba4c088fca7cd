"""API tokens of ``pyotp-rs serve``: open on loopback without tokens, bearer tokens stored hashed,
created and revoked by ``pyotp-rs api-token``, and no start beyond loopback without one."""

from __future__ import annotations

import subprocess
from pathlib import Path

from servicekit import ServiceProcess, is_sqlite, run_pyotp_rs, service_env

LONG = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def api_token(service: ServiceProcess, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_pyotp_rs("api-token", *args, "--db", service.db, env=service_env(tmp_path))


def create_token(service: ServiceProcess, tmp_path: Path, name: str) -> str:
    result = api_token(service, tmp_path, "create", name)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("pyotprs_") and len(token) > 40
    assert f"API token {name!r} created" in result.stderr
    return token


def test_open_on_loopback_without_tokens(service_factory) -> None:
    service = service_factory()
    assert "pyotp-rs serve: auth off (loopback only, no API tokens)\n" in service.output
    assert service.get("/api/v1/tokens").status_code == 200
    assert service.get("/get-totp/nobody").status_code == 404


def test_tokens_turn_auth_on_for_every_endpoint_but_health(service_factory, tmp_path: Path) -> None:
    service = service_factory()
    token = create_token(service, tmp_path, "ci")
    good = {"Authorization": f"Bearer {token}"}

    response = service.get("/api/v1/tokens")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "success": False,
        "error": "Authorization required: send 'Authorization: Bearer <API token>'",
    }
    for headers in ({"Authorization": "Bearer pyotprs_wrong"}, {"Authorization": f"Basic {token}"}):
        assert service.get("/api/v1/codes", headers=headers).status_code == 401
    assert (
        service.get("/api/v1/codes", headers={"Authorization": "Bearer x"}).json()["error"]
        == "Invalid API token"
    )
    assert service.get("/api/v1/tokens", headers=good).status_code == 200
    assert service.get("/api/v1/health").status_code == 200
    assert service.get("/api/v1/openapi.json").status_code == 200

    setup = service.post("/setup", json={"username": "u", "secret": LONG})
    assert setup.status_code == 401 and set(setup.json()) == {"error"}
    assert service.post("/setup", json={"username": "u", "secret": LONG}, headers=good).status_code == 200
    enrol = service.get("/v1/auth/totp-generate?issuer=A&account_name=b")
    assert enrol.status_code == 401 and set(enrol.json()) == {"error"}
    assert service.get("/v1/auth/totp-generate?issuer=A&account_name=b", headers=good).status_code == 200
    created = service.post("/api/v1/tokens", json={"name": "x", "secret": LONG})
    assert created.status_code == 401
    assert service.get("/api/v1/tokens", headers=good).json()["count"] == 1

    stored = service.sql("SELECT name, token_hash FROM api_tokens")
    assert len(stored) == 1 and stored[0][0] == "ci" and token not in stored[0][1]
    if is_sqlite(service.db):
        assert token.encode() not in Path(service.db).read_bytes()

    listing = api_token(service, tmp_path, "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[1].split()[:3] == ["ci", "admin", "(all)"]
    revoked = api_token(service, tmp_path, "revoke", "ci")
    assert revoked.returncode == 0 and revoked.stdout == "API token 'ci' revoked\n"
    assert service.get("/api/v1/tokens", headers=good).status_code == 200
    assert service.get("/api/v1/tokens").status_code == 200


def test_token_command_errors(service_factory, tmp_path: Path) -> None:
    service = service_factory()
    create_token(service, tmp_path, "ci")
    again = api_token(service, tmp_path, "create", "ci")
    assert (again.returncode, again.stderr) == (
        1,
        "pyotp-rs: error: an API token called 'ci' already exists\n",
    )
    missing = api_token(service, tmp_path, "revoke", "nobody")
    assert (missing.returncode, missing.stderr) == (1, "pyotp-rs: error: no API token called 'nobody'\n")
    usage = run_pyotp_rs("api-token", env=service_env(tmp_path))
    assert usage.returncode == 2


def test_no_start_beyond_loopback_without_tokens(tmp_path: Path) -> None:
    result = run_pyotp_rs(
        "serve", "--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "db.sqlite3"),
        "--key-file", str(tmp_path / "server.key"), env=service_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("pyotp-rs: error: refusing to listen on 0.0.0.0 without API tokens")
    assert "pyotp-rs api-token create NAME --db sqlite:///" in result.stderr


def test_beyond_loopback_auth_stays_on_without_tokens(service_factory, database: str, tmp_path: Path) -> None:
    created = run_pyotp_rs("api-token", "create", "ops", "--db", database, env=service_env(tmp_path))
    token = created.stdout.strip()
    service = service_factory("--host", "0.0.0.0")
    assert "pyotp-rs serve: auth on (1 API token)\n" in service.output
    local = service.url.replace("0.0.0.0", "127.0.0.1")
    headers = {"Authorization": f"Bearer {token}"}
    assert service.session.get(local + "/api/v1/tokens", headers=headers, timeout=10).status_code == 200
    assert (
        run_pyotp_rs("api-token", "revoke", "ops", "--db", database, env=service_env(tmp_path)).returncode
        == 0
    )
    assert service.session.get(local + "/api/v1/tokens", timeout=10).status_code == 401
    assert service.session.get(local + "/api/v1/health", timeout=10).status_code == 200


def test_a_revoked_token_is_refused_at_once_by_every_worker(service_factory, tmp_path: Path) -> None:
    """Every request reads the API tokens from the database: no worker keeps a revoked one."""
    service = service_factory(workers=3)
    kept, revoked = create_token(service, tmp_path, "kept"), create_token(service, tmp_path, "revoked")
    for token in (kept, revoked):
        for _ in range(6):  # on every worker
            assert service.get("/api/v1/codes", headers={"Authorization": f"Bearer {token}"}).ok
    assert api_token(service, tmp_path, "revoke", "revoked").returncode == 0
    for _ in range(6):
        refused = service.get("/api/v1/codes", headers={"Authorization": f"Bearer {revoked}"})
        assert (refused.status_code, refused.json()["error"]) == (401, "Invalid API token")
        assert (
            service.get("/get-totp/nobody", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
        )
        assert service.get("/api/v1/codes", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
