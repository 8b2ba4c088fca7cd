"""The service's configuration: one typed object built from command-line flags and the environment."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_PORT", "ConfigError", "RateLimit", "ServiceConfig", "data_dir", "database_url"]

DEFAULT_PORT = 8045
DEFAULT_HOST = "127.0.0.1"
MAX_BODY_BYTES = 64 * 1024
DEFAULT_AUDIT_DAYS = 365
DEFAULT_ISSUER = "TOTPHog"
"""The issuer TOTPHog gives a token created without one (its API contract); ``--default-issuer`` changes it."""
KEY_ENV = "PYOTP_RS_SERVER_KEY"
ALLOWED_HOSTS_ENV = "PYOTP_RS_ALLOWED_HOSTS"
TRUSTED_PROXIES_ENV = "PYOTP_RS_TRUSTED_PROXIES"
NEW_KEY_ENV = "PYOTP_RS_NEW_SERVER_KEY"
_POSTGRESQL_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class ConfigError(Exception):
    """A setting that cannot work; the message says which and what to do instead."""


def data_dir() -> Path:
    """Where the default database and key file live: ``$XDG_DATA_HOME/pyotp-rs`` (``~/.local/share``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "pyotp-rs"


def database_url(db: str | None) -> str:
    """The SQLAlchemy URL for ``--db``: a file path, ``sqlite:///path``, a PostgreSQL URL, or the default file.

    ``postgresql://`` and ``postgres://`` URLs are served by psycopg 3 (``postgresql+psycopg://``).
    """
    if not db:
        return f"sqlite:///{data_dir() / 'service.sqlite3'}"
    scheme, sep, rest = db.partition("://")
    if not sep:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    if scheme in _POSTGRESQL_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    if scheme.split("+", 1)[0] != "sqlite":
        raise ConfigError(
            f"--db: unsupported database {scheme!r}; use a file path, sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    if db.rstrip("/") in ("sqlite:", "sqlite:/", "sqlite://") or db.startswith("sqlite:///:memory:"):
        raise ConfigError("--db: the service needs a database file that all its workers share")
    return db


def is_loopback_address(address: str) -> bool:
    """True for an IPv4 127/8 or IPv6 ``::1`` address (also IPv4-mapped, bracketed or scoped)."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def is_loopback(host: str) -> bool:
    """``localhost``, a ``*.localhost`` name (RFC 6761 keeps them on loopback) or a loopback address."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost") or is_loopback_address(name)


def _listed(text: str | None) -> tuple[str, ...]:
    """The items of a comma-separated environment variable."""
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


@dataclass(frozen=True)
class RateLimit:
    """At most ``failures`` wrong codes per token within ``window_seconds`` of the first one counted."""

    failures: int = 5
    window_seconds: int = 300


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``pyotp-rs serve`` and :func:`pyotp_rs.server.create_app` need.

    ``server_key`` is the text of the server key when it comes from ``PYOTP_RS_SERVER_KEY``;
    otherwise the key is read from (or, on first start, created in) ``key_file``.
    """

    database_url: str
    key_file: Path
    server_key: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 2
    threads: int = 8
    max_body_bytes: int = MAX_BODY_BYTES
    rate_limit: RateLimit = RateLimit()
    audit_days: int = DEFAULT_AUDIT_DAYS
    """How long audit entries are kept; older ones are pruned by the service."""
    default_issuer: str | None = DEFAULT_ISSUER
    """The issuer of tokens created through the TOTPHog API without one; None leaves them without."""
    allowed_hosts: tuple[str, ...] = ()
    """Names besides loopback ones that requests may address (``--allowed-host``; ``*`` for any, with a token)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses of reverse proxies in front of the service (``--trusted-proxy``): only tokens authenticate."""

    @classmethod
    def from_options(
        cls,
        *,
        db: str | None = None,
        key_file: str | None = None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        workers: int = 2,
        threads: int = 8,
        rate_limit: RateLimit | None = None,
        audit_days: int = DEFAULT_AUDIT_DAYS,
        default_issuer: str | None = DEFAULT_ISSUER,
        allowed_hosts: tuple[str, ...] = (),
        trusted_proxies: tuple[str, ...] = (),
        environ: dict[str, str] | None = None,
    ) -> ServiceConfig:
        """Builds the config from the ``serve`` flags and the environment.

        ``PYOTP_RS_SERVER_KEY`` is the server key; ``PYOTP_RS_ALLOWED_HOSTS`` and
        ``PYOTP_RS_TRUSTED_PROXIES`` (comma-separated) add to ``allowed_hosts`` and ``trusted_proxies``.
        """
        env = os.environ if environ is None else environ
        proxies = (*trusted_proxies, *_listed(env.get(TRUSTED_PROXIES_ENV)))
        for proxy in proxies:
            try:
                ipaddress.ip_address(proxy)
            except ValueError:
                raise ConfigError(f"--trusted-proxy: {proxy!r} is not an IP address") from None
        return cls(
            database_url=database_url(db),
            key_file=Path(key_file).expanduser() if key_file else data_dir() / "server.key",
            server_key=env.get(KEY_ENV) or None,
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            rate_limit=rate_limit or RateLimit(),
            audit_days=audit_days,
            default_issuer=default_issuer or None,
            allowed_hosts=(*allowed_hosts, *_listed(env.get(ALLOWED_HOSTS_ENV))),
            trusted_proxies=proxies,
        )

    @property
    def loopback(self) -> bool:
        """True when the service listens on a loopback address only."""
        return is_loopback(self.host)
