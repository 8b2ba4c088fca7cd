"""The argument parser class, the option value types and the option groups commands share."""

from __future__ import annotations

import argparse
import datetime
import hashlib
from collections.abc import Callable
from typing import Any, NoReturn

from .errors import PROG

ALGORITHMS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as ``pyotp-rs: error: ...`` and exit with status 2."""
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def positive_int(text: str) -> int:
    """An argparse type: an integer greater than zero."""
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: an integer of zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text!r}")
    return value


def timestamp(text: str) -> float:
    """An argparse type for ``--time``: Unix seconds, or ISO 8601 (UTC when it has no offset)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be Unix seconds or an ISO 8601 date and time, not {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    seconds = moment.timestamp()
    return int(seconds) if seconds.is_integer() else seconds


def algorithm(text: str) -> str:
    """An argparse type: a hash algorithm name, case-insensitive."""
    name = text.upper()
    if name not in ALGORITHMS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(ALGORITHMS)}, not {text!r}")
    return name


def add_secret_options(parser: argparse.ArgumentParser, what: str = "secret") -> None:
    """Options choosing where the secret (or URI) is read from."""
    group = parser.add_argument_group(
        f"{what} input",
        f"By default the {what} is read from a hidden prompt when standard input is a terminal, "
        "otherwise from standard input. An otpauth:// URI is accepted in every case.",
    )
    source = group.add_mutually_exclusive_group()
    source.add_argument("--secret-env", metavar="VAR", help=f"read the {what} from environment variable VAR")
    source.add_argument(
        "--secret-arg",
        metavar="SECRET",
        help=f"take the {what} from this argument. UNSAFE: other users see it in 'ps' and it stays "
        "in your shell history",
    )


def add_otp_options(parser: argparse.ArgumentParser, *, defaults: bool = False) -> None:
    """``--digits``, ``--period`` and ``--algorithm``; without ``defaults`` an otpauth URI sets them."""
    note = "" if defaults else "; an otpauth URI sets it instead"
    group = parser.add_argument_group("code parameters")
    group.add_argument(
        "--digits", type=positive_int, default=6 if defaults else None, help=f"code length (default 6{note})"
    )
    group.add_argument(
        "--period",
        type=positive_int,
        default=30 if defaults else None,
        help=f"time step in seconds (default 30{note})",
    )
    group.add_argument(
        "--algorithm",
        type=algorithm,
        default="SHA1" if defaults else None,
        metavar="{SHA1,SHA256,SHA512}",
        help=f"HMAC hash (default SHA1{note})",
    )


def add_json_option(parser: argparse.ArgumentParser, help: str = "print a JSON object for scripts") -> None:
    """``--json``: machine-readable output."""
    parser.add_argument("--json", action="store_true", help=help)


Commands = argparse._SubParsersAction
"""What a command group's ``register(commands: Commands[argparse.ArgumentParser])`` receives;
it calls ``commands.add_parser(NAME, help=...)`` for each command."""
