"""The service commands of ``pyotp-rs``: ``serve``, ``api-token`` and ``rotate-key``.

The service modules (Flask, gunicorn, SQLAlchemy) are imported only when one of these commands runs,
so the rest of the command line works without the ``server`` extra.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable
from typing import Any

from .errors import CliError, database_error
from .extras import install_hint
from .options import Commands

__all__ = ["register"]


def _bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {text!r}")
        return value

    return parse


def _add_storage_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="the database: a file path, sqlite:///path or postgresql://USER:PASSWORD@HOST/DB (default: "
        "service.sqlite3 in the data directory, $XDG_DATA_HOME/pyotp-rs)",
    )
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help="the server key file, created with mode 0600 on first start, used when PYOTP_RS_SERVER_KEY is "
        "not set (default: server.key in the data directory)",
    )


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``serve``, ``api-token`` and ``rotate-key``."""
    serve = commands.add_parser(
        "serve",
        help="run the team TOTP service (TOTPHog API, /setup + /get-totp, enrolment)",
        description="Runs the team TOTP service under gunicorn until Ctrl-C. Open without API tokens on "
        "loopback only; any other address needs 'pyotp-rs api-token create' first.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_bounded(0, 65535), default=8045, help="port (default 8045; 0 picks a free one)"
    )
    serve.add_argument("--workers", type=_bounded(1, 64), default=2, help="worker processes (default 2)")
    serve.add_argument(
        "--threads", type=_bounded(1, 64), default=8, help="threads per worker process (default 8)"
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the service is reached by besides localhost, 127.0.0.1 and [::1] (repeatable; "
        "also PYOTP_RS_ALLOWED_HOSTS, comma-separated); requests naming another Host get 421. Without API "
        "tokens only loopback names are served; '*' allows any name for requests with a token",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="the address of a reverse proxy in front of the service (repeatable; also "
        "PYOTP_RS_TRUSTED_PROXIES): every request then needs an API token, and the client address logged "
        "is the one the proxy puts in X-Forwarded-For",
    )
    serve.add_argument(
        "--verify-limit",
        type=_bounded(1, 1000),
        default=5,
        metavar="N",
        help="wrong codes counted per token before verify answers 429 (default 5; the same on every instance)",
    )
    serve.add_argument(
        "--verify-window",
        type=_bounded(1, 86400),
        default=300,
        metavar="SECONDS",
        help="how long the wrong-code count lasts from the first wrong code (default 300)",
    )
    serve.add_argument(
        "--default-issuer",
        default="TOTPHog",
        metavar="NAME",
        help="issuer of tokens created through the TOTPHog API without one (default TOTPHog, as TOTPHog "
        "does; '' for none)",
    )
    _add_storage_options(serve)
    serve.set_defaults(handler=_cmd_serve)

    api_token = commands.add_parser("api-token", help="create, list or revoke the service's API tokens")
    actions = api_token.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an API token and print it (only its hash is stored)")
    create.add_argument("name", help="a name for the token, to revoke it by")
    revoke = actions.add_parser("revoke", help="revoke an API token by name")
    revoke.add_argument("name")
    listing = actions.add_parser("list", help="list the API tokens' names")
    for parser in (create, revoke, listing):
        parser.add_argument("--db", metavar="PATH_OR_URL", help="the database (default as for serve)")
    create.set_defaults(handler=_cmd_token_create)
    revoke.set_defaults(handler=_cmd_token_revoke)
    listing.set_defaults(handler=_cmd_token_list)

    rotate = commands.add_parser(
        "rotate-key",
        help="re-encrypt every stored secret under a new server key (stop the service first)",
        description="Re-encrypts every secret in one transaction. With a key file, a new key replaces it; "
        "with PYOTP_RS_SERVER_KEY, the new key is read from PYOTP_RS_NEW_SERVER_KEY.",
    )
    _add_storage_options(rotate)
    rotate.set_defaults(handler=_cmd_rotate)


def _run(action: Callable[[], int]) -> int:
    """Runs a service action, turning its expected errors into one-line messages."""
    try:
        from ..server.config import ConfigError
        from ..server.keys import ServerKeyError
        from ..server.service import ServiceError
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("pyotp_rs"):
            raise
        raise CliError(f"the service needs the server extra: {install_hint('server')} ({error})") from None
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return action()
    except (ConfigError, ServerKeyError) as error:
        raise CliError(str(error)) from None
    except ServiceError as error:
        raise CliError(error.message) from None
    except SQLAlchemyError as error:
        raise CliError(database_error(error)) from None


def _cmd_serve(args: argparse.Namespace) -> int:
    def action() -> int:
        from ..server.config import RateLimit, ServiceConfig
        from ..server.runner import serve

        config = ServiceConfig.from_options(
            db=args.db,
            key_file=args.key_file,
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            rate_limit=RateLimit(failures=args.verify_limit, window_seconds=args.verify_window),
            default_issuer=args.default_issuer,
            allowed_hosts=tuple(args.allowed_host),
            trusted_proxies=tuple(args.trusted_proxy),
        )
        serve(config)
        return 0

    return _run(action)


def _store(args: argparse.Namespace) -> Any:
    from ..server.config import database_url
    from ..server.store import Store

    store = Store(database_url(args.db))
    store.migrate()
    return store


def _cmd_token_create(args: argparse.Namespace) -> int:
    def action() -> int:
        from ..server.service import create_api_token

        token = create_api_token(_store(args), args.name)
        sys.stderr.write(f"API token {args.name!r} created; it is shown once (only its hash is stored):\n")
        print(token)
        return 0

    return _run(action)


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    def action() -> int:
        if not _store(args).delete_api_token(args.name):
            raise CliError(f"no API token called {args.name!r}")
        print(f"API token {args.name!r} revoked")
        return 0

    return _run(action)


def _cmd_token_list(args: argparse.Namespace) -> int:
    def action() -> int:
        for row in _store(args).list_api_tokens():
            created = datetime.datetime.fromtimestamp(row.created_us / 1e6, datetime.timezone.utc)
            print(f"{row.name}\tcreated {created.isoformat(timespec='seconds')}")
        return 0

    return _run(action)


def _cmd_rotate(args: argparse.Namespace) -> int:
    def action() -> int:
        from ..server.config import NEW_KEY_ENV, ServiceConfig
        from ..server.service import rotate_server_key

        config = ServiceConfig.from_options(db=args.db, key_file=args.key_file)
        count = rotate_server_key(config, os.environ.get(NEW_KEY_ENV))
        print(f"re-encrypted {count} token secret{'s' if count != 1 else ''} under the new server key")
        if config.server_key:
            print(f"start the service with PYOTP_RS_SERVER_KEY set to the value of {NEW_KEY_ENV} from now on")
        return 0

    return _run(action)
