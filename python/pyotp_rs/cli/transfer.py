"""The commands that move accounts between authenticators: ``import`` and ``export``.

Both read any format :func:`pyotp_rs.transfer.read` knows (a file, ``-`` for standard input, or
an ``otpauth://`` / ``otpauth-migration://`` URI). Passwords come from a hidden prompt or an
environment variable, never from the command line; files are written with mode 0600.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from ..exceptions import DecryptionError
from .errors import CliError
from .options import Commands, add_force_option, add_json_option
from .output import print_json, say, write_private
from .secret_input import algorithm_name

_FORMATS = ("migration", "aegis", "uris", "portable-uris")


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``import`` and ``export``."""
    read = commands.add_parser(
        "import",
        help="list the accounts of an export (Google Authenticator, Aegis, 2FAS, andOTP, Bitwarden, FreeOTP+, "
        "Proton, Stratum, 2FAuth, Ente, TOTPHog, secrets.json, otpauth URIs) or of a QR-code screenshot",
    )
    _add_source(read)
    read.add_argument(
        "--show-secrets", action="store_true", help="show each account's secret (hidden by default)"
    )
    read.add_argument("--codes", action="store_true", help="show each account's current code")
    add_json_option(read, "print the accounts and skipped entries as JSON")
    read.set_defaults(handler=_cmd_import)

    write = commands.add_parser(
        "export", help="write the accounts of an export as migration QR codes, an Aegis vault or otpauth URIs"
    )
    _add_source(write)
    write.add_argument(
        "--format",
        required=True,
        choices=_FORMATS,
        help="what to write: Google Authenticator migration QR codes, an Aegis vault, pyotp's otpauth URIs, "
        "or portable-uris (every parameter explicit: what Ente Auth, 2FAS, Aegis and Bitwarden read)",
    )
    write.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (mode 0600); for migration, NAME.png gets one PNG per QR code "
        "(NAME-1.png, NAME-2.png, ... when there are several). Default: standard output, and migration "
        "QR codes drawn on the terminal",
    )
    add_force_option(write)
    write.add_argument(
        "--plain", action="store_true", help="aegis: write an unencrypted vault (by default it is encrypted)"
    )
    write.add_argument(
        "--new-password-env",
        metavar="VAR",
        help="aegis: encrypt with the password in environment variable VAR (default: a hidden prompt)",
    )
    write.set_defaults(handler=_cmd_export)


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="FILE|URI|-",
        help="a file (an export, or a PNG/JPEG screenshot of QR codes), '-' for standard input, "
        "or an otpauth:// or otpauth-migration:// URI",
    )
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="the password of an encrypted export (Aegis, 2FAS, andOTP) is in environment variable VAR "
        "(default: a hidden prompt)",
    )


def _env(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise CliError(f"environment variable {name} is not set")
    return value


def _prompt(prompt: str, hint: str) -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        raise CliError(f"{hint}: no terminal to prompt on")
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CliError(f"{hint}: no password given") from None


def _read(args: argparse.Namespace) -> Any:
    """The import report of the command's source, asking for a password when the input needs one."""
    from ..transfer import read

    source: str = args.source
    if source == "-":
        data: str | bytes = sys.stdin.buffer.read() if sys.stdin is not None else b""
    elif source[:8].lower() == "otpauth:" or source[:18].lower() == "otpauth-migration:":
        data = source
    else:
        data = Path(source).read_bytes()
    try:
        if args.password_env is not None:
            return read(data, password=_env(args.password_env))
        try:
            return read(data)
        except DecryptionError as error:
            what = str(error).partition(": a password is needed")[0]
            hint = f"{what}: give its password with --password-env VAR or at a prompt"
            return read(data, password=_prompt("Vault password: ", hint))
    except ImportError as error:
        raise CliError(str(error)) from None


def _describe(account: Any) -> str:
    otp = account.otp
    if account.type == "hotp":
        return f"{algorithm_name(otp)}, {otp.digits} digits, counter {otp.initial_count}"
    if account.type == "steam":
        return f"Steam, {otp.interval} s"
    return f"{algorithm_name(otp)}, {otp.digits} digits, {otp.interval} s"


def _code(account: Any) -> str:
    """The current code: for HOTP the next one, at the counter the account holds."""
    otp = account.otp
    return str(otp.at(0) if account.type == "hotp" else otp.now())


def _cmd_import(args: argparse.Namespace) -> int:
    """``pyotp-rs import``: what an export holds, secrets hidden unless ``--show-secrets``."""
    report = _read(args)
    if args.json:
        entries = []
        for entry in report.entries:
            item: dict[str, Any] = {"label": entry.label, "status": entry.status, "reason": entry.reason}
            account = entry.account
            if account is not None:
                item.update(name=account.name, issuer=account.issuer, type=account.type)
                item.update(algorithm=algorithm_name(account.otp), digits=account.otp.digits)
                if account.type == "hotp":
                    item["counter"] = account.otp.initial_count
                else:
                    item["period"] = account.otp.interval
                if args.show_secrets:
                    item["secret"] = account.otp.secret
                if args.codes:
                    item["code"] = _code(account)
            entries.append(item)
        print_json({"format": report.format, "entries": entries, "warnings": list(report.warnings)})
        return 0
    imported, skipped = len(report.accounts), len(report.skipped)
    say(f"{report.format}: {imported} account(s) imported, {skipped} skipped")
    for entry in report.entries:
        account = entry.account
        if account is None:
            say(f"  skipped   {entry.label}: {entry.reason}")
            continue
        line = f"  {account.type:<8}  {entry.label}  ({_describe(account)})"
        if args.codes:
            line += f"  code {_code(account)}"
        if args.show_secrets:
            line += f"  secret {account.otp.secret}"
        say(line)
        if entry.reason:
            say(f"            note: {entry.reason}")
    for warning in report.warnings:
        say(f"warning: {warning}")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    if args.new_password_env is not None:
        password = _env(args.new_password_env)
    else:
        hint = "an encrypted vault needs a password: give it with --new-password-env VAR or at a prompt, or use --plain"
        password = _prompt("New vault password: ", hint)
        if _prompt("Repeat the password: ", hint) != password:
            raise CliError("the passwords do not match")
    if not password:
        raise CliError("the vault password is empty")
    return password


def _cmd_export(args: argparse.Namespace) -> int:
    """``pyotp-rs export``: the accounts of the source in another format."""
    from .. import qr, transfer

    report = _read(args)
    accounts = report.accounts
    if not accounts:
        raise CliError("the source holds no account to export")
    for entry in report.skipped:
        say(f"skipped {entry.label}: {entry.reason}", sys.stderr)
    output: str | None = args.output
    if args.format == "aegis":
        password = None if args.plain else _new_password(args)
        text = transfer.write_aegis(accounts, password=password)
    elif args.format == "uris":
        text = transfer.write_uris(accounts)
    elif args.format == "portable-uris":
        text = transfer.write_portable_uris(accounts)
    else:
        uris = transfer.write_migration(accounts)
        if output is None:
            for number, uri in enumerate(uris, 1):
                print(f"QR code {number} of {len(uris)}:")
                print(qr.make(uri).terminal())
            return 0
        if output.lower().endswith(".png"):
            stem = output[:-4]
            names = [output] if len(uris) == 1 else [f"{stem}-{n}.png" for n in range(1, len(uris) + 1)]
            existing = [name for name in names if os.path.lexists(name)] if not args.force else []
            if existing:
                raise CliError(f"{existing[0]} already exists: give --force to overwrite it")
            for name, uri in zip(names, uris):
                write_private(name, qr.make(uri).png(), overwrite=args.force)
            say(f"wrote {len(accounts)} account(s) in {len(names)} QR code(s): {', '.join(names)}")
            return 0
        text = "".join(uri + "\n" for uri in uris)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_private(output, text.encode(), overwrite=args.force)
        say(f"wrote {len(accounts)} account(s) to {output}")
    return 0
