"""The service commands of ``pyotp-rs``: ``serve``, ``api-token``, ``audit`` and ``rotate-key``.

The service modules (Flask, gunicorn, SQLAlchemy) are imported only when one of these commands runs,
so the rest of the command line works without the ``server`` extra.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Callable, Sequence
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
    """Add ``serve``, ``api-token``, ``audit`` and ``rotate-key``."""
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
        "--audit-days",
        type=_bounded(1, 36500),
        default=365,
        metavar="N",
        help="keep audit log entries N days; older ones are pruned by the service (default 365)",
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
    create = actions.add_parser(
        "create",
        help="create an API token and print it (only its hash is stored)",
        description="Creates an API token and prints it once. Roles: codes (read codes, verify), manage "
        "(also add, edit and delete accounts in its groups), admin (everything, secrets included).",
    )
    create.add_argument("name", help="a name for the token, to revoke it by")
    create.add_argument(
        "--role",
        choices=("admin", "manage", "codes"),
        default="admin",
        help="what the token may do (default admin)",
    )
    create.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="GROUP",
        help="limit the token to accounts in GROUP (repeat for several; default: every account)",
    )
    revoke = actions.add_parser("revoke", help="revoke an API token by name (at once, even while serving)")
    revoke.add_argument("name")
    listing = actions.add_parser("list", help="list the API tokens: name, role, groups and created time")
    for parser in (create, revoke, listing):
        parser.add_argument("--db", metavar="PATH_OR_URL", help="the database (default as for serve)")
    create.set_defaults(handler=_cmd_token_create)
    revoke.set_defaults(handler=_cmd_token_revoke)
    listing.set_defaults(handler=_cmd_token_list)

    audit = commands.add_parser(
        "audit",
        help="print the service's audit log, newest first",
        description="Prints who read which code or secret and who changed what (never a code or a secret).",
    )
    audit.add_argument(
        "--limit",
        type=_bounded(1, 1_000_000),
        default=100,
        metavar="N",
        help="the newest N entries (default 100)",
    )
    audit.add_argument("--json", action="store_true", help="one JSON document, as GET /api/v1/audit answers")
    audit.add_argument("--db", metavar="PATH_OR_URL", help="the database (default as for serve)")
    audit.set_defaults(handler=_cmd_audit)

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
            audit_days=args.audit_days,
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

        token = create_api_token(_store(args), args.name, args.role, args.group)
        scope = f"groups {', '.join(args.group)}" if args.group else "every account"
        sys.stderr.write(
            f"API token {args.name!r} created ({args.role}, {scope}); it is shown once (only its hash is stored):\n"
        )
        print(token)
        return 0

    return _run(action)


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    def action() -> int:
        from ..server.service import revoke_api_token

        revoke_api_token(_store(args), args.name)
        print(f"API token {args.name!r} revoked")
        return 0

    return _run(action)


def _cmd_token_list(args: argparse.Namespace) -> int:
    def action() -> int:
        rows = _store(args).list_api_tokens()
        table = [("NAME", "ROLE", "GROUPS", "CREATED")]
        for row in rows:
            created = datetime.datetime.fromtimestamp(row.created_us / 1e6, datetime.timezone.utc)
            groups = "(all)" if row.groups is None else ",".join(row.groups)
            table.append((row.name, row.role, groups, created.isoformat(timespec="seconds")))
        if rows:
            _print_table(table)
        return 0

    return _run(action)


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip())


def _cmd_audit(args: argparse.Namespace) -> int:
    def action() -> int:
        from ..server.audit import entry_json

        entries = [entry_json(entry) for entry in _store(args).list_audit(limit=args.limit)]
        if args.json:
            print(json.dumps({"success": True, "data": entries, "count": len(entries)}, indent=2))
            return 0
        table = [("TIME", "ACTOR", "ACTION", "OUTCOME", "REMOTE", "ACCOUNT")]
        for entry in entries:
            ids = entry["account_ids"]
            account = entry["label"] or ""
            if ids:
                one = f"{account} ({ids[0]})" if account else ids[0]
                account = one if len(ids) == 1 else f"{account} {len(ids)} accounts".strip()
            table.append(
                (
                    entry["time"],
                    entry["actor"] or "-",
                    entry["action"],
                    entry["outcome"],
                    entry["remote_addr"] or "-",
                    account,
                )
            )
        if entries:
            _print_table(table)
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
