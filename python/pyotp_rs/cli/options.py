"""The argument parser class, the option value types and the option groups commands share."""

from __future__ import annotations

import argparse
import datetime
import math
from collections.abc import Callable
from typing import NoReturn

from .._algorithms import DIGESTS
from .errors import PROG
from .output import printable

_YEAR_10000 = 253402300800


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as ``pyotp-rs: error: ...`` (escaped: it may quote an argument) and exit 2."""
        self.exit(2, f"{PROG}: error: {printable(message)} (see '{self.prog} --help')\n")


def positive_int(text: str) -> int:
    """An argparse type: an integer greater than zero."""
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: an integer of zero or more."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text!r}")
    return value


def _integer(text: str) -> int:
    """``text`` as an integer, or the usage error saying it must be one."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None


def int_from(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``; any other integer gets the same message."""

    def parse(text: str) -> int:
        value = _integer(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {text!r}")
        return value

    return parse


def int_of(*allowed: int) -> Callable[[str], int]:
    """An argparse type: one of the integers ``allowed``."""

    def parse(text: str) -> int:
        value = _integer(text)
        if value not in allowed:
            names = " or ".join(", ".join(map(str, allowed)).rsplit(", ", 1))
            raise argparse.ArgumentTypeError(f"must be {names}, not {text!r}")
        return value

    return parse


def timestamp(text: str) -> float:
    """An argparse type for ``--time``: Unix seconds, or ISO 8601 (UTC when it has no offset)."""
    seconds = _unix_seconds(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"must be Unix seconds or an ISO 8601 date and time, not {text!r}")
    if not 0 <= seconds < _YEAR_10000:
        raise argparse.ArgumentTypeError(f"must be from 1970 to the year 9999, not {text!r}")
    return int(seconds) if seconds.is_integer() else seconds


def _unix_seconds(text: str) -> float | None:
    """``text`` as Unix seconds: a number, or an ISO 8601 date and time; None if neither."""
    try:
        return float(int(text))
    except ValueError:
        pass
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) else None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def algorithm(text: str) -> str:
    """An argparse type: a hash algorithm name, case-insensitive."""
    name = text.upper()
    if name not in DIGESTS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(DIGESTS)}, not {text!r}")
    return name


def add_secret_options(parser: argparse.ArgumentParser, what: str = "secret") -> None:
    """Options choosing where the secret (or URI) is read from."""
    group = parser.add_argument_group(
        f"{what} input",
        f"By default the {what} is read from a hidden prompt when standard input is a terminal, "
        "otherwise from standard input. An otpauth:// URI is accepted in every case.",
    )
    parser.set_defaults(secret_input=what)
    source = group.add_mutually_exclusive_group()
    source.add_argument("--secret-env", metavar="VAR", help=f"read the {what} from environment variable VAR")
    source.add_argument(
        "--secret-arg",
        metavar="SECRET",
        help=f"take the {what} from this argument. UNSAFE: other users see it in 'ps' and it stays "
        "in your shell history",
    )
    group.add_argument(
        "--allow-short-secret",
        action="store_true",
        help="accept a secret shorter than 112 bits, such as a legacy 80-bit (16-character) one; "
        "pyotp refuses them, as short keys are easier to guess",
    )


def add_otp_options(parser: argparse.ArgumentParser, *, enrolment: bool = False) -> None:
    """``--digits``, ``--period`` and ``--algorithm``, within the library's limits.

    For an existing secret an otpauth URI sets them instead; ``enrolment`` gives them
    defaults and ``enroll()``'s narrower limits (6 or 8 digits, 10 to 120 s).
    """
    note = "" if enrolment else "; an otpauth URI sets it instead"
    group = parser.add_argument_group("code parameters")
    group.add_argument(
        "--digits",
        type=int_of(6, 8) if enrolment else int_from(6, 10),
        default=6 if enrolment else None,
        help=f"code length, {'6 or 8' if enrolment else '6 to 10'} (default 6{note})",
    )
    group.add_argument(
        "--period",
        type=int_from(10, 120) if enrolment else int_from(1, 120),
        default=30 if enrolment else None,
        help=f"time step in seconds, {10 if enrolment else 1} to 120 (default 30{note})",
    )
    group.add_argument(
        "--algorithm",
        type=algorithm,
        default="SHA1" if enrolment else None,
        metavar="{SHA1,SHA256,SHA512}",
        help=f"HMAC hash (default SHA1{note})",
    )


def add_counter_option(parser: argparse._ActionsContainer, purpose: str) -> None:
    """``--counter N``: a counter-based (HOTP) code instead of a time-based one."""
    parser.add_argument(
        "--counter",
        type=non_negative_int,
        metavar="N",
        help=f"{purpose}: a counter-based (HOTP) secret at counter N; an otpauth://hotp URI "
        "starts from its own counter without it",
    )


def add_force_option(parser: argparse._ActionsContainer) -> None:
    """``--force``: replace an existing output file (refused by default)."""
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def add_json_option(parser: argparse.ArgumentParser, help: str = "print a JSON object for scripts") -> None:
    """``--json``: machine-readable output."""
    parser.add_argument("--json", action="store_true", help=help)


Commands = argparse._SubParsersAction
"""What a command group's ``register(commands: Commands[argparse.ArgumentParser])`` receives;
it calls ``commands.add_parser(NAME, help=...)`` for each command."""
