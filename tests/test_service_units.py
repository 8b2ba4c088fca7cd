"""The service's layers without HTTP: the server key, the sealing of secrets, the schema migrations."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pyotp_rs.server.config import ConfigError, database_url, is_loopback
from pyotp_rs.server.keys import SecretBox, ServerKeyError, StoredSecretError, new_key, parse_key
from pyotp_rs.server.store import Store, metadata

KEY = os.urandom(32)


@pytest.mark.parametrize(
    "text",
    [
        KEY.hex(),
        KEY.hex().upper(),
        base64.b64encode(KEY).decode(),
        base64.urlsafe_b64encode(KEY).decode().rstrip("="),
        f"  {base64.b64encode(KEY).decode()}\n",
    ],
)
def test_key_forms(text: str) -> None:
    assert parse_key(text, "the key") == KEY


@pytest.mark.parametrize("text", ["", "abc", KEY.hex()[:-2], base64.b64encode(KEY + b"x").decode(), "é" * 43])
def test_bad_keys(text: str) -> None:
    with pytest.raises(ServerKeyError, match="^the key must hold 32 random bytes"):
        parse_key(text, "the key")


def test_new_keys_parse_and_differ() -> None:
    first, second = new_key(), new_key()
    assert first != second
    assert len(parse_key(first, "k")) == 32


def test_sealed_secrets_are_bound_to_row_and_key() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("row-1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    assert box.open("row-1", sealed) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert box.seal("row-1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") != sealed
    assert b"GEZDGNBV" not in sealed
    with pytest.raises(StoredSecretError, match="token row-2 does not decrypt"):
        box.open("row-2", sealed)
    with pytest.raises(StoredSecretError):
        SecretBox(os.urandom(32)).open("row-1", sealed)
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(StoredSecretError):
        box.open("row-1", bytes(tampered))
    assert SecretBox(KEY).fingerprint == box.fingerprint != SecretBox(os.urandom(32)).fingerprint


def test_migrations_build_exactly_the_stores_schema(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.migrate()
    store.migrate()
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0001"


@pytest.mark.parametrize(
    ("db", "url"),
    [("x.sqlite3", None), ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"), ("~/t.db", None)],
)
def test_database_urls(db: str, url: str | None) -> None:
    expected = url or f"sqlite:///{Path(db).expanduser().resolve()}"
    assert database_url(db) == expected


def test_database_url_refuses_other_engines() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        database_url("mysql://host/db")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.2", False), ("example.com", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_create_app_for_another_wsgi_server(tmp_path: Path) -> None:
    """``create_app(config)`` migrates, makes the key file and serves, here through Flask's test client."""
    from pyotp_rs.server import ServiceConfig, create_app

    config = ServiceConfig.from_options(
        db=str(tmp_path / "db.sqlite3"), key_file=str(tmp_path / "server.key")
    )
    client = create_app(config).test_client()
    created = client.post("/api/v1/tokens", json={"name": "a", "secret": "JBSWY3DPEHPK3PXP"})
    assert created.status_code == 201
    token_id = created.get_json()["data"]["id"]
    again = create_app(config).test_client()
    assert again.get(f"/api/v1/tokens/{token_id}").get_json()["data"]["secret"] == "JBSWY3DPEHPK3PXP"
    assert (tmp_path / "server.key").stat().st_mode & 0o777 == 0o600
