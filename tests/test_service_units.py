"""The service's layers without HTTP: the server key, the sealing of secrets, the schema migrations."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from pyotp_rs.server.config import ConfigError, database_url, is_loopback
from pyotp_rs.server.keys import SecretBox, ServerKeyError, StoredSecretError, new_key, parse_key
from pyotp_rs.server.store import ApiTokenRow, RequestState, Store, TokenRow, metadata

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


def test_migrations_build_exactly_the_stores_schema(database: str) -> None:
    store = Store(database_url(database))
    store.migrate()
    store.migrate()
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0004"
    assert store.tokens_generation() == 0
    store.dispose()


def test_secret_fingerprints_are_keyed_and_tell_a_key_change() -> None:
    box, other = SecretBox(KEY), SecretBox(os.urandom(32))
    secret = b"0123456789abcdefghij"
    fingerprint = box.secret_fingerprint(secret)
    assert fingerprint == SecretBox(KEY).secret_fingerprint(secret) != box.secret_fingerprint(secret[:-1])
    assert fingerprint.startswith(box.secret_fingerprint_prefix) and box.fingerprint.startswith(
        fingerprint[:8]
    )
    assert other.secret_fingerprint(secret)[9:] != fingerprint[9:] != hashlib.sha256(secret).hexdigest()
    assert base64.b32encode(secret).decode() not in fingerprint.upper() and secret.hex() not in fingerprint


def test_migration_0004_keeps_tokens_as_totp_and_refuses_to_drop_hotp_ones(database: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", "pyotp_rs.server:migrations")
    store = Store(database_url(database))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            sa.text(
                "INSERT INTO tokens (id, name, digits, period, algorithm, secret_sealed, created_us) "
                "VALUES ('old', 'n', 6, 30, 'sha1', :sealed, 1)"
            ),
            {"sealed": b"x"},
        )
    store.migrate()
    (old,) = store.list_tokens()
    assert (old.type, old.counter, old.secret_fingerprint) == ("totp", None, None)
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE tokens SET type = 'hotp', counter = 3"))
    with pytest.raises(RuntimeError, match="1 HOTP token"), store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert store.next_counter("old") == 3 and store.next_counter("old") == 4
    store.dispose()


def test_messages_show_no_database_password() -> None:
    store = Store("postgresql+psycopg://otp:hunter2@db.internal:5433/otp")
    assert store.url == "postgresql+psycopg://otp:***@db.internal:5433/otp"


@pytest.mark.parametrize(
    ("db", "url"),
    [
        ("x.sqlite3", None),
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
        ("~/t.db", None),
        ("postgresql://u:p@db.internal:5433/otp", "postgresql+psycopg://u:p@db.internal:5433/otp"),
        ("postgres://u@db/otp", "postgresql+psycopg://u@db/otp"),
        ("postgresql+psycopg://u@db/otp?sslmode=require", "postgresql+psycopg://u@db/otp?sslmode=require"),
    ],
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


def test_codes_body_is_what_jsonify_writes(tmp_path: Path) -> None:
    from pyotp_rs.server.app import create_app
    from pyotp_rs.server.config import ServiceConfig
    from pyotp_rs.server.service import TokenFields, open_service
    from pyotp_rs.server.totphog import code_json, token_json

    config = ServiceConfig.from_options(db=str(tmp_path / "db.sqlite3"), key_file=str(tmp_path / "key"))
    service = open_service(config)
    app = create_app(config, service=service)
    client = app.test_client()
    names = ['jürgen "quoted" \\ </script>', "\u2028 line separator", "plain"]
    service.create_tokens(
        [TokenFields(name=name, secret=base64.b32encode(os.urandom(20)).decode()) for name in names]
    )
    service.create_token(
        TokenFields(name="eight", secret="JBSWY3DPEHPK3PXP", digits=8, period=45, algorithm="sha512")
    )
    for _ in range(2):  # built, then from the worker's cache
        while True:  # a request within one second, so that the expected body is for that second
            now = int(time.time())
            response = client.get("/api/v1/codes")
            if int(time.time()) == now:
                break
        with app.app_context():
            expected = flask.jsonify(
                success=True,
                data=[
                    {**token_json(token), "current_code": code_json(service.code_of(token, now))}
                    for token in service.list_tokens()
                ],
            ).get_data()
        assert response.get_data() == expected
        assert response.mimetype == "application/json"
    sheet = app.extensions["pyotp_rs_codes"]
    generation = service.store.tokens_generation()
    start = 45 * 30 * 1_000_000 + 28  # 2 s before a 30 s step ends, 17 s before a 45 s one
    for now in (start, start + 1, start + 2, start + 3, start + 17, start + 18, start + 18 + 30):
        with app.app_context():
            expected = flask.jsonify(
                success=True,
                data=[
                    {**token_json(token), "current_code": code_json(service.code_of(token, now))}
                    for token in service.list_tokens()
                ],
            ).get_data()
        assert sheet.render(now, generation)[0] == expected, now
    service.delete_token(service.list_tokens()[0].id)
    assert [entry["name"] for entry in client.get("/api/v1/codes").get_json()["data"]] == names[1:] + [
        "eight"
    ]
    for token in service.list_tokens()[:2]:
        service.delete_token(token.id)
    only_eight = client.get("/api/v1/codes").get_json()["data"]
    assert [(entry["name"], entry["current_code"]["period"]) for entry in only_eight] == [("eight", 45)]
    service.delete_all()
    assert client.get("/api/v1/codes").get_data() == b'{"success":true,"data":[]}\n'


def test_every_thread_sees_what_another_process_just_committed(database: str) -> None:
    """The one-statement reads (on SQLite, each thread's own connection, kept open) hold no snapshot:
    a change committed by another process is seen by the next statement of every thread, also after
    ``dispose``."""
    store, other = Store(database_url(database)), Store(database_url(database))
    store.migrate()
    assert store.tokens_generation() == 0
    seen: list[int] = []
    for generation in (1, 2):
        row = TokenRow(
            id=f"t{generation}",
            name="n",
            issuer=None,
            digits=6,
            period=30,
            algorithm="sha1",
            secret_sealed=b"s",
            created_us=1,
        )
        other.insert_tokens([row])
        assert store.tokens_generation() == generation
        thread = threading.Thread(target=lambda: seen.append(store.tokens_generation()))
        thread.start()
        thread.join()
    assert seen == [1, 2]
    store.dispose()
    assert store.tokens_generation() == 2
    store.dispose()
    other.dispose()


def test_request_state_follows_token_changes_and_api_tokens(database: str) -> None:
    """The one statement each request runs: generation bumped by token changes only, API tokens as stored."""
    store = Store(database_url(database))
    store.migrate()
    assert store.request_state(None) == RequestState(tokens_generation=0, api_tokens=False, matched=False)
    assert store.add_api_token("app", "a" * 64, 1)
    assert store.request_state("a" * 64) == RequestState(
        tokens_generation=0, api_tokens=True, matched=True, caller=ApiTokenRow("app", 0, "admin", None)
    )
    assert store.request_state("b" * 64) == RequestState(tokens_generation=0, api_tokens=True, matched=False)
    assert store.request_state(None).matched is False
    row = TokenRow(
        id="t1",
        name="n",
        issuer=None,
        digits=6,
        period=30,
        algorithm="sha1",
        secret_sealed=b"s",
        created_us=1,
    )
    store.insert_tokens([row])
    assert store.request_state(None).tokens_generation == 1
    assert store.accept_step("t1", 5, cutoff_us=0, limit=1)
    assert not store.accept_step("t1", 5, cutoff_us=0, limit=1)
    assert store.count_failure("t1", now_us=10, cutoff_us=0, limit=1)
    assert not store.count_failure("t1", now_us=11, cutoff_us=0, limit=1)
    assert not store.accept_step("t1", 6, cutoff_us=0, limit=1)  # the budget is spent: not even a new step
    assert store.get_token("t1") == TokenRow(
        **{**row.__dict__, "last_step": 5, "failures": 1, "failures_since_us": 10}
    )
    assert store.tokens_generation() == 1
    assert store.delete_token("t1") and store.get_token("t1") is None
    assert store.delete_api_token("app")
    assert store.request_state("a" * 64) == RequestState(tokens_generation=2, api_tokens=False, matched=False)
    store.dispose()


def test_a_waiting_thread_takes_the_turn_only_from_a_holder_busy_serving() -> None:
    """The worker's turn: the holder keeps it between connections; while it serves one connection
    for too long (a slow client), a waiting thread takes it, and the holder learns so once done."""
    from pyotp_rs.server.worker import _Turn

    turn, holder, waiting = _Turn(), object(), object()
    assert turn.take(holder, lambda: True)
    taken = threading.Event()
    stop = threading.Event()

    def wait_for_turn() -> None:
        if turn.take(waiting, lambda: not stop.is_set()):
            taken.set()

    thread = threading.Thread(target=wait_for_turn)
    thread.start()
    for _ in range(3):  # connections served quickly: the turn stays with the holder
        turn.serving(holder)
        assert turn.served(holder)
    assert not taken.wait(0.3)  # idle between connections: the holder keeps it too
    turn.serving(holder)  # ... and now serves a slow client
    assert taken.wait(30)
    assert not turn.served(holder)
    stop.set()
    thread.join(30)
    turn.leave(waiting)
    assert turn.take(holder, lambda: True)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_an_audit_append_waits_for_another_writer_and_lands(database: str) -> None:
    """An append that finds the SQLite file locked by another process's write tries again until it
    can write (its connection has no busy timeout of its own), and is stored once."""
    import sqlite3

    from pyotp_rs.server.audit import Trail

    store = Store(database_url(database))
    store.migrate()
    writer = sqlite3.connect(database_url(database).removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO settings (key, value) VALUES ('held', 'by another writer')")
    failures: list[BaseException] = []

    def append() -> None:
        try:
            store.add_audit(Trail("reader", "127.0.0.1").entry("code.read", label="alice"))
        except BaseException as error:  # noqa: BLE001 - the test reports it
            failures.append(error)

    thread = threading.Thread(target=append)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive() and not failures  # waiting for the writer, not failed
    writer.execute("COMMIT")
    thread.join(30)
    assert not failures
    assert [(row.actor, row.label) for row in store.list_audit(limit=10)] == [("reader", "alice")]
    writer.close()
    store.dispose()


def test_sqlite_busy_is_told_by_code_and_by_message(tmp_path: Path) -> None:
    """A write lock held elsewhere is SQLITE_BUSY by its code (Python 3.11+) and by its message
    (Python 3.10's errors have no code); other errors are not."""
    import sqlite3

    from pyotp_rs.server.store import _sqlite_busy

    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as missing:
        other.execute("INSERT INTO missing VALUES (1)")
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    assert _sqlite_busy(busy.value)
    assert _sqlite_busy(sqlite3.OperationalError("database is locked"))
    assert not _sqlite_busy(missing.value)
    assert not _sqlite_busy(sqlite3.OperationalError("no such table: missing"))
