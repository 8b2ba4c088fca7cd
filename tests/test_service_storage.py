"""Storage of ``pyotp-rs serve``: restarts, secrets encrypted at rest, the server key, key rotation.

Each test runs on SQLite and on PostgreSQL (the ``database`` fixture), except those about the SQLite
file itself.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from servicekit import ServiceProcess, run_pyotp_rs, service_env

SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

SECRETS = ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "JBSWY3DPEHPK3PXP", "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"]


def add_tokens(service: ServiceProcess) -> list[dict]:
    made = []
    for i, secret in enumerate(SECRETS):
        response = service.post(
            "/api/v1/tokens", json={"name": f"user{i}", "secret": secret, "issuer": "ACME"}
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["data"])
    assert service.post("/setup", json={"username": "team-user", "secret": SECRETS[0]}).status_code == 200
    return made


def database_bytes(db: str) -> bytes:
    """The database file with its WAL and shared-memory files, as a reader of the disk sees them."""
    file = Path(db)
    return b"".join(path.read_bytes() for path in file.parent.iterdir() if path.name.startswith(file.name))


def test_restart_keeps_every_token(service_factory, tmp_path: Path) -> None:
    first = service_factory()
    made = add_tokens(first)
    codes = {entry["id"]: entry for entry in first.get("/api/v1/codes").json()["data"]}
    assert first.stop() == 0
    second = service_factory()
    assert second.get("/api/v1/tokens").json()["data"][: len(made)] == made
    again = {entry["id"]: entry for entry in second.get("/api/v1/codes").json()["data"]}
    assert set(again) == set(codes)
    assert second.get("/get-totp/team-user").status_code == 200


@SQLITE_ONLY
def test_the_database_holds_no_secret(service_factory) -> None:
    service = service_factory()
    add_tokens(service)
    for secret in SECRETS:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        stored = database_bytes(service.db)
        assert secret.encode() not in stored and secret.lower().encode() not in stored
        assert raw not in stored
    service.stop()
    stored = database_bytes(service.db)
    assert not any(
        secret.encode() in stored or base64.b32decode(secret + "=" * (-len(secret) % 8)) in stored
        for secret in SECRETS
    )
    assert service.sql("PRAGMA journal_mode") == [("wal",)]


def test_no_secret_in_any_column(service_factory) -> None:
    service = service_factory()
    add_tokens(service)
    rows = service.sql("SELECT * FROM tokens")
    assert len(rows) == len(SECRETS) + 1
    for secret in SECRETS:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        for value in (v for row in rows for v in row if isinstance(v, (str, bytes, memoryview))):
            stored = value.encode() if isinstance(value, str) else bytes(value)
            assert secret.encode() not in stored.upper() and raw not in stored


@SQLITE_ONLY
def test_key_file_and_database_are_created_0600(service_factory) -> None:
    service = service_factory()
    add_tokens(service)
    mode = stat.S_IMODE(service.key_file.stat().st_mode)
    assert mode == 0o600
    db = Path(service.db)
    files = [path for path in db.parent.iterdir() if path.name.startswith(db.name)]
    assert len(files) >= 2 and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    key = service.key_file.read_bytes()
    service.stop()
    service_factory()
    assert service.key_file.read_bytes() == key


def test_key_file_readable_by_others_is_refused(service_factory, database: str, tmp_path: Path) -> None:
    service_factory().stop()
    key_file = tmp_path / "server.key"
    key_file.chmod(0o644)
    result = run_pyotp_rs(
        "serve",
        "--port",
        "0",
        "--db",
        database,
        "--key-file",
        str(key_file),
        env=service_env(tmp_path),
    )
    assert result.returncode == 1
    assert (
        f"key file {key_file} is accessible by other users (mode 0644); run: chmod 600 {key_file}"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def serve_result(tmp_path: Path, database: str, **env: str):
    return run_pyotp_rs(
        "serve",
        "--port",
        "0",
        "--db",
        database,
        "--key-file",
        str(tmp_path / "server.key"),
        env=service_env(tmp_path, **env),
    )


def test_wrong_key_is_refused_at_start(service_factory, database: str, tmp_path: Path) -> None:
    add_tokens(service_factory()).clear()
    other = base64.urlsafe_b64encode(os.urandom(32)).decode()
    result = serve_result(tmp_path, database, PYOTP_RS_SERVER_KEY=other)
    assert result.returncode == 1
    assert "wrong server key: the key from PYOTP_RS_SERVER_KEY is not the key the database" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "server.key").unlink()
    result = serve_result(tmp_path, database)
    assert result.returncode == 1
    assert "no server key: the database" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "server.key").exists()


@pytest.mark.parametrize("value", ["short", "x" * 42, base64.b64encode(os.urandom(16)).decode(), "zz" * 32])
def test_malformed_key_is_refused_at_start(tmp_path: Path, value: str) -> None:
    result = serve_result(tmp_path, str(tmp_path / "service.sqlite3"), PYOTP_RS_SERVER_KEY=value)
    assert result.returncode == 1
    assert "PYOTP_RS_SERVER_KEY must hold 32 random bytes written as base64 or 64 hex digits" in result.stderr


def test_key_from_the_environment(service_factory, tmp_path: Path) -> None:
    key = os.urandom(32)
    env = service_env(tmp_path, PYOTP_RS_SERVER_KEY=key.hex())
    service = service_factory(env=env)
    made = add_tokens(service)
    service.stop()
    assert not service.key_file.exists()
    same_key_base64 = service_env(tmp_path, PYOTP_RS_SERVER_KEY=base64.b64encode(key).decode())
    again = service_factory(env=same_key_base64)
    assert again.get(f"/api/v1/tokens/{made[0]['id']}").json()["data"] == made[0]


def test_a_ciphertext_copied_to_another_row_is_refused(service_factory) -> None:
    service = service_factory()
    first, second, _ = add_tokens(service)
    service.sql(
        "UPDATE tokens SET secret_sealed = (SELECT secret_sealed FROM tokens WHERE id = :first) WHERE id = :second",
        first=first["id"],
        second=second["id"],
    )
    response = service.get(f"/api/v1/tokens/{second['id']}")
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": f"the stored secret of token {second['id']} does not decrypt: the row was altered or copied "
        "from another row",
    }
    assert service.get(f"/api/v1/tokens/{first['id']}").json()["data"] == first


def test_rotate_key_with_a_key_file(service_factory, tmp_path: Path) -> None:
    service = service_factory()
    made = add_tokens(service)
    service.stop()
    old_key = service.key_file.read_text()
    sealed_before = dict(service.sql("SELECT id, secret_sealed FROM tokens"))
    result = run_pyotp_rs(
        "rotate-key", "--db", service.db, "--key-file", str(service.key_file), env=service_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "re-encrypted 4 token secrets under the new server key\n"
    assert service.key_file.read_text() != old_key
    assert stat.S_IMODE(service.key_file.stat().st_mode) == 0o600
    assert not Path(f"{service.key_file}.new").exists()
    sealed_after = dict(service.sql("SELECT id, secret_sealed FROM tokens"))
    assert sealed_after.keys() == sealed_before.keys()
    assert all(sealed_after[key] != sealed_before[key] for key in sealed_before)
    again = service_factory()
    assert again.get("/api/v1/tokens").json()["data"][:3] == made
    again.stop()
    old = service_env(tmp_path, PYOTP_RS_SERVER_KEY=old_key.strip())
    result = run_pyotp_rs("serve", "--port", "0", "--db", service.db, env=old)
    assert result.returncode == 1 and "wrong server key" in result.stderr


def test_rotate_key_with_environment_keys(service_factory, tmp_path: Path) -> None:
    old_key, new_key = os.urandom(32).hex(), os.urandom(32).hex()
    service = service_factory(env=service_env(tmp_path, PYOTP_RS_SERVER_KEY=old_key))
    made = add_tokens(service)
    service.stop()
    missing = run_pyotp_rs(
        "rotate-key", "--db", service.db, env=service_env(tmp_path, PYOTP_RS_SERVER_KEY=old_key)
    )
    assert missing.returncode == 1
    assert (
        "the server key comes from PYOTP_RS_SERVER_KEY: put the new key in PYOTP_RS_NEW_SERVER_KEY"
        in missing.stderr
    )
    env = service_env(tmp_path, PYOTP_RS_SERVER_KEY=old_key, PYOTP_RS_NEW_SERVER_KEY=new_key)
    result = run_pyotp_rs("rotate-key", "--db", service.db, env=env)
    assert result.returncode == 0, result.stderr
    again = service_factory(env=service_env(tmp_path, PYOTP_RS_SERVER_KEY=new_key))
    assert again.get("/api/v1/tokens").json()["data"][:3] == made


def test_an_interrupted_rotation_is_finished_or_dropped_at_start(service_factory, tmp_path: Path) -> None:
    """A crash between the database commit and the rename of the key file loses nothing."""
    service = service_factory()
    made = add_tokens(service)
    service.stop()
    key_file, pending = service.key_file, Path(f"{service.key_file}.new")
    old_key = key_file.read_text()
    # Committed: the database is under the new key, the new key still waits in ".new".
    result = run_pyotp_rs(
        "rotate-key", "--db", service.db, "--key-file", str(key_file), env=service_env(tmp_path)
    )
    assert result.returncode == 0
    new_key = key_file.read_text()
    key_file.write_text(old_key)
    pending.write_text(new_key)
    pending.chmod(0o600)
    again = service_factory()
    assert again.get(f"/api/v1/tokens/{made[0]['id']}").json()["data"] == made[0]
    assert key_file.read_text() == new_key and not pending.exists()
    again.stop()
    # Not committed: a stray ".new" key is dropped and the current key kept.
    pending.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
    pending.chmod(0o600)
    third = service_factory()
    assert third.get(f"/api/v1/tokens/{made[0]['id']}").json()["data"] == made[0]
    assert key_file.read_text() == new_key and not pending.exists()
