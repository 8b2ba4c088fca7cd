"""SQL storage of the service: tokens (secrets sealed by the caller), API tokens (hashed) and settings.

SQLAlchemy Core on SQLite or PostgreSQL (psycopg 3); the schema is created and upgraded by the
Alembic migrations in ``migrations/``. The engines differ in a few lines of set-up: SQLite gets a WAL
journal, a busy timeout and ``BEGIN IMMEDIATE`` for write transactions; on PostgreSQL the write
transactions that read before they write take one transaction-scoped advisory lock, the same
database-wide write lock that ``BEGIN IMMEDIATE`` is, so both engines run them one at a time. The
verification updates need no such lock: each is one conditional statement whose row count decides.
Each process (each gunicorn worker) has its own connection pool. No code here knows about HTTP,
encryption or TOTP.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

__all__ = ["ApiTokenRow", "Store", "TokenRow", "metadata"]

BUSY_TIMEOUT_MS = 10_000
WRITE_LOCK_KEY = 0x7079_6F74_7072_73  # "pyotprs": the advisory lock of PostgreSQL write transactions

metadata = sa.MetaData()

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("issuer", sa.Text, nullable=True),
    sa.Column("digits", sa.Integer, nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("algorithm", sa.String(16), nullable=False),
    sa.Column("secret_sealed", sa.LargeBinary, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("username", sa.Text, nullable=True, unique=True),
    sa.Column("last_step", sa.BigInteger, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failures_since_us", sa.BigInteger, nullable=True),
)
sa.Index("ix_tokens_created", tokens.c.created_us, tokens.c.id)

generations = sa.Table(
    "generations",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class TokenRow:
    """One stored token; ``secret_sealed`` is the encrypted secret.

    ``last_step`` is the last time step accepted by verification; ``failures`` wrong codes were counted
    since ``failures_since_us``.
    """

    id: str
    name: str
    issuer: str | None
    digits: int
    period: int
    algorithm: str
    secret_sealed: bytes
    created_us: int
    username: str | None = None
    last_step: int | None = None
    failures: int = 0
    failures_since_us: int | None = None


@dataclass(frozen=True)
class ApiTokenRow:
    """A bearer token of the API, by name (its hash stays in the database)."""

    name: str
    created_us: int


def _token(row: Any) -> TokenRow:
    return TokenRow(
        id=row.id,
        name=row.name,
        issuer=row.issuer,
        digits=row.digits,
        period=row.period,
        algorithm=row.algorithm,
        secret_sealed=bytes(row.secret_sealed),
        created_us=row.created_us,
        username=row.username,
        last_step=row.last_step,
        failures=row.failures,
        failures_since_us=row.failures_since_us,
    )


def _storable(text: str) -> bool:
    """False for text that no row can hold: PostgreSQL text has no NUL character (a lookup would fail)."""
    return "\x00" not in text


def _create_private(path: Path) -> None:
    """Creates an SQLite file readable by its owner only (SQLite gives its WAL files the same mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _sqlite_setup(engine: Engine) -> None:
    """WAL, busy timeout and explicit transactions for SQLite (pysqlite's own begin is deferred and late)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("pyotp_rs_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Store:
    """The service's database; every method runs in one transaction of its own."""

    def __init__(self, url: str) -> None:
        self.url = sa.engine.make_url(url).render_as_string(hide_password=True)
        """The URL as messages show it: any password is ``***``."""
        if sa.engine.make_url(url).get_backend_name() == "sqlite":
            self.engine = sa.create_engine(url)
            if self.engine.url.database:
                _create_private(Path(self.engine.url.database))
            _sqlite_setup(self.engine)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        self.postgresql = self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Creates or upgrades the schema to the newest migration (one instance at a time)."""
        config = AlembicConfig()
        config.set_main_option("script_location", "pyotp_rs.server:migrations")
        with self._write() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        """Closes pooled connections (before the server forks its workers)."""
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _write(self, *, exclusive: bool = True) -> Iterator[Connection]:
        """A write transaction; ``exclusive`` ones (read, then write) run one at a time on both engines."""
        with self.engine.connect().execution_options(pyotp_rs_write=True) as connection, connection.begin():
            if exclusive and self.postgresql:
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
            yield connection

    @staticmethod
    def _tokens_changed(connection: Connection) -> None:
        connection.execute(
            generations.update().where(generations.c.name == "tokens").values(value=generations.c.value + 1)
        )

    def tokens_generation(self) -> int:
        """A number that every change to the tokens (not to their verification state) increases."""
        with self._read() as connection:
            return int(
                connection.execute(
                    sa.select(generations.c.value).where(generations.c.name == "tokens")
                ).scalar_one()
            )

    # Tokens

    def insert_tokens(self, rows: list[TokenRow]) -> None:
        """Stores new tokens, all in one transaction."""
        with self._write() as connection:
            connection.execute(tokens.insert(), [row.__dict__ for row in rows])
            self._tokens_changed(connection)

    def get_token(self, token_id: str) -> TokenRow | None:
        """The token with this id, if any."""
        if not _storable(token_id):
            return None
        with self._read() as connection:
            row = connection.execute(tokens.select().where(tokens.c.id == token_id)).first()
        return None if row is None else _token(row)

    def get_user(self, username: str) -> TokenRow | None:
        """The token set up for this username (team API), if any."""
        if not _storable(username):
            return None
        with self._read() as connection:
            row = connection.execute(tokens.select().where(tokens.c.username == username)).first()
        return None if row is None else _token(row)

    def list_tokens(self) -> list[TokenRow]:
        """Every token, oldest first."""
        with self._read() as connection:
            rows = connection.execute(tokens.select().order_by(tokens.c.created_us, tokens.c.id)).all()
        return [_token(row) for row in rows]

    def delete_token(self, token_id: str) -> bool:
        """Deletes one token; False if there was none with this id."""
        if not _storable(token_id):
            return False
        with self._write() as connection:
            deleted = connection.execute(tokens.delete().where(tokens.c.id == token_id)).rowcount > 0
            self._tokens_changed(connection)
            return deleted

    def delete_all_tokens(self) -> int:
        """Deletes every token and returns how many there were."""
        with self._write() as connection:
            count = connection.execute(tokens.delete()).rowcount
            self._tokens_changed(connection)
            return count

    def upsert_user(self, username: str, new_row: TokenRow, reseal: Callable[[str], bytes]) -> None:
        """Sets up ``username``: replaces the secret of its token (``reseal(id)``), or inserts ``new_row``."""
        with self._write() as connection:
            existing = connection.execute(
                sa.select(tokens.c.id).where(tokens.c.username == username)
            ).scalar()
            if existing is None:
                connection.execute(tokens.insert().values(**new_row.__dict__))
            else:
                connection.execute(
                    tokens.update()
                    .where(tokens.c.id == existing)
                    .values(
                        secret_sealed=reseal(existing), last_step=None, failures=0, failures_since_us=None
                    )
                )
            self._tokens_changed(connection)

    def reseal_all(self, reseal: Callable[[str, bytes], bytes], setting: str, value: str) -> int:
        """Replaces every sealed secret by ``reseal(id, sealed)`` and sets ``setting``, all in one transaction."""
        with self._write() as connection:
            rows = connection.execute(sa.select(tokens.c.id, tokens.c.secret_sealed)).all()
            for row in rows:
                connection.execute(
                    tokens.update()
                    .where(tokens.c.id == row.id)
                    .values(secret_sealed=reseal(row.id, bytes(row.secret_sealed)))
                )
            self._set(connection, setting, value)
            self._tokens_changed(connection)
        return len(rows)

    # Verification state (single conditional statements: their row count decides)

    def accept_step(self, token_id: str, step: int) -> bool:
        """Records ``step`` as the token's last accepted time step unless it or a later one already is.

        One conditional UPDATE whose row count decides: of concurrent submissions of one code, on any
        worker or instance, exactly one updates the row. An accepted code also clears the wrong-code count.
        """
        with self._write(exclusive=False) as connection:
            result = connection.execute(
                tokens.update()
                .where(
                    tokens.c.id == token_id, sa.or_(tokens.c.last_step.is_(None), tokens.c.last_step < step)
                )
                .values(last_step=step, failures=0, failures_since_us=None)
            )
        return result.rowcount == 1

    def count_failure(self, token_id: str, now_us: int, cutoff_us: int, limit: int) -> bool:
        """Counts one wrong code unless ``limit`` were already counted since ``cutoff_us``; True if counted.

        One conditional UPDATE: a window that began at or before ``cutoff_us`` restarts at ``now_us``.
        """
        expired = sa.or_(tokens.c.failures_since_us.is_(None), tokens.c.failures_since_us <= cutoff_us)
        with self._write(exclusive=False) as connection:
            result = connection.execute(
                tokens.update()
                .where(tokens.c.id == token_id, sa.or_(expired, tokens.c.failures < limit))
                .values(
                    failures=sa.case((expired, 1), else_=tokens.c.failures + 1),
                    failures_since_us=sa.case((expired, now_us), else_=tokens.c.failures_since_us),
                )
            )
        return result.rowcount == 1

    # Settings

    def get_setting(self, key: str) -> str | None:
        """A stored setting (such as the server key fingerprint), if set."""
        with self._read() as connection:
            return connection.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()

    def set_setting_once(self, key: str, value: str) -> str:
        """Stores ``value`` unless the setting exists; returns the stored value either way."""
        with self._write() as connection:
            current = connection.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
            if current is not None:
                return str(current)
            self._set(connection, key, value)
            return value

    @staticmethod
    def _set(connection: Connection, key: str, value: str) -> None:
        if (
            connection.execute(settings.update().where(settings.c.key == key).values(value=value)).rowcount
            == 0
        ):
            connection.execute(settings.insert().values(key=key, value=value))

    # API tokens

    def add_api_token(self, name: str, token_hash: str, created_us: int) -> bool:
        """Stores an API token's hash under ``name``; False if the name is taken."""
        with self._write() as connection:
            taken = connection.execute(sa.select(api_tokens.c.name).where(api_tokens.c.name == name)).first()
            if taken is not None:
                return False
            connection.execute(
                api_tokens.insert().values(name=name, token_hash=token_hash, created_us=created_us)
            )
            return True

    def delete_api_token(self, name: str) -> bool:
        """Revokes the API token called ``name``; False if there is none."""
        with self._write() as connection:
            return connection.execute(api_tokens.delete().where(api_tokens.c.name == name)).rowcount > 0

    def list_api_tokens(self) -> list[ApiTokenRow]:
        """The API tokens, oldest first."""
        with self._read() as connection:
            rows = connection.execute(
                sa.select(api_tokens.c.name, api_tokens.c.created_us).order_by(api_tokens.c.created_us)
            ).all()
        return [ApiTokenRow(name=row.name, created_us=row.created_us) for row in rows]

    def api_token_state(self, token_hash: str | None) -> tuple[bool, bool]:
        """(any API token exists, ``token_hash`` is one of them) in one query."""
        matches = (
            sa.func.sum(sa.case((api_tokens.c.token_hash == token_hash, 1), else_=0))
            if token_hash
            else sa.literal(0)
        )
        with self._read() as connection:
            count, matched = connection.execute(
                sa.select(sa.func.count(), matches).select_from(api_tokens)
            ).one()
        return count > 0, bool(matched)
