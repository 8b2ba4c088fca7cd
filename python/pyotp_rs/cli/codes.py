"""The commands that work with codes: ``now``, ``at``, ``verify`` and ``watch``.

A plain secret gives time-based codes (TOTP), or counter-based ones (HOTP) with
``--counter N``; an otpauth URI says which it is.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from typing import Any

from ..exceptions import OTPVerificationError
from ..hotp import HOTP
from ..totp import TOTP
from .errors import CliError
from .options import (
    Commands,
    add_counter_option,
    add_json_option,
    add_otp_options,
    add_secret_options,
    int_from,
    positive_int,
    timestamp,
)
from .output import print_json
from .secret_input import algorithm_name, load_otp, load_totp

MAX_WINDOW = 10
"""The widest ``verify --window``: each step more accepts another code, so a wide window
would make guessing easy."""

_BAR_WIDTH = 30
_TIME_HELP = "Unix seconds, or ISO 8601 such as 2025-01-31T12:00:00Z (UTC when no offset is given)"


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``now``, ``at``, ``verify`` and ``watch``."""
    now = commands.add_parser(
        "now",
        help="print the current code (and on a terminal the seconds it stays valid)",
        description="Print the current code. On a terminal the seconds it stays valid follow it; "
        "into a pipe or file only the code is printed, so CODE=$(pyotp-rs now ...) works.",
    )
    add_secret_options(now)
    add_otp_options(now)
    add_counter_option(now, "print the code at counter N")
    add_json_option(now)
    now.set_defaults(handler=_cmd_now)

    at = commands.add_parser("at", help="print the code at a given time or counter")
    when = at.add_mutually_exclusive_group(required=True)
    when.add_argument("--time", type=timestamp, metavar="T", help=_TIME_HELP)
    add_counter_option(when, "print the code at counter N")
    add_secret_options(at)
    add_otp_options(at)
    add_json_option(at)
    at.set_defaults(handler=_cmd_at)

    verify = commands.add_parser("verify", help="check a code; exit status 0 if valid, 1 if not")
    verify.add_argument("code", metavar="CODE", help="the code to check")
    verify.add_argument(
        "--window",
        type=int_from(0, MAX_WINDOW),
        default=0,
        metavar="N",
        help=f"also accept codes up to N time steps before or after, or the N counters after "
        f"the counter (0 to {MAX_WINDOW}, default 0)",
    )
    when = verify.add_mutually_exclusive_group()
    when.add_argument("--time", type=timestamp, metavar="T", help="check at this time instead of now")
    add_counter_option(when, "check against counter N")
    add_secret_options(verify)
    add_otp_options(verify)
    add_json_option(verify)
    verify.set_defaults(handler=_cmd_verify)

    watch = commands.add_parser("watch", help="show the live code with a countdown until Ctrl-C")
    add_secret_options(watch)
    add_otp_options(watch)
    watch.add_argument("--count", type=positive_int, help=argparse.SUPPRESS)
    watch.set_defaults(handler=_cmd_watch)


def _code_info(totp: TOTP, for_time: float) -> dict[str, Any]:
    """The code at ``for_time`` with its parameters and validity, as printed by ``--json``."""
    code = totp.at(for_time)
    period = int(totp.interval)
    timecode = int(totp.timecode(for_time))
    valid_until = (timecode + 1) * period
    return {
        "code": code,
        "time": for_time,
        "timecode": timecode,
        "valid_from": timecode * period,
        "valid_until": valid_until,
        "seconds_remaining": valid_until - int(for_time),
        "digits": len(code),
        "period": period,
        "algorithm": algorithm_name(totp),
    }


def _counter_info(hotp: HOTP) -> dict[str, Any]:
    """The code at the HOTP's counter with its parameters, as printed by ``--json``."""
    code = hotp.at(0)
    return {
        "code": code,
        "counter": hotp.initial_count,
        "digits": len(code),
        "algorithm": algorithm_name(hotp),
    }


def _refuse_time_for_hotp(args: argparse.Namespace, otp: TOTP | HOTP) -> None:
    """``--time`` makes no sense for a counter-based URI: say to give ``--counter``."""
    if isinstance(otp, HOTP) and args.time is not None:
        raise CliError("the URI is for a counter-based (HOTP) code: give --counter N instead of --time")


def _cmd_now(args: argparse.Namespace) -> int:
    """``pyotp-rs now``: the current code, and on a terminal how long it stays valid."""
    otp = load_otp(args)
    if isinstance(otp, HOTP):
        info = _counter_info(otp)
        text = info["code"]
    else:
        info = _code_info(otp, int(time.time()))
        text = info["code"]
        if sys.stdout.isatty():
            text += f"  (valid for {info['seconds_remaining']} s)"
    if args.json:
        print_json(info)
    else:
        print(text)
    return 0


def _cmd_at(args: argparse.Namespace) -> int:
    """``pyotp-rs at --time T`` or ``--counter N``: the code at a given time or counter."""
    otp = load_otp(args)
    _refuse_time_for_hotp(args, otp)
    info = _counter_info(otp) if isinstance(otp, HOTP) else _code_info(otp, args.time)
    if args.json:
        print_json(info)
    else:
        print(info["code"])
    return 0


def _verify_totp(args: argparse.Namespace, totp: TOTP, code: str) -> tuple[bool, dict[str, Any]]:
    """Whether ``code`` is valid now or at ``--time`` within the window, with the JSON report."""
    for_time = args.time if args.time is not None else int(time.time())
    try:
        matched: int | None = int(
            totp.verify_and_get_timecode(code, for_time=for_time, valid_window=args.window)
        )
    except OTPVerificationError:
        matched = None
    offset = None if matched is None else matched - int(totp.timecode(for_time))
    return matched is not None, {"time": for_time, "timecode": matched, "offset": offset}


def _verify_hotp(args: argparse.Namespace, hotp: HOTP, code: str) -> tuple[bool, dict[str, Any]]:
    """Whether ``code`` is the code at the counter or one of the ``--window`` counters after it."""
    offset = next((step for step in range(args.window + 1) if hotp.verify(code, step)), None)
    counter = None if offset is None else hotp.initial_count + offset
    return offset is not None, {"counter": counter, "offset": offset}


def _cmd_verify(args: argparse.Namespace) -> int:
    """``pyotp-rs verify CODE``: exit status 0 when the code is valid, 1 when it is not."""
    otp = load_otp(args)
    _refuse_time_for_hotp(args, otp)
    code = "".join(args.code.split())
    if isinstance(otp, HOTP):
        valid, report = _verify_hotp(args, otp, code)
    else:
        valid, report = _verify_totp(args, otp, code)
    if args.json:
        print_json({"valid": valid, **report})
    else:
        print("valid" if valid else "invalid")
    return 0 if valid else 1


def _bar(remaining: int, period: int, width: int, unicode: bool) -> str:
    """A bar of ``width`` whose filled part shrinks as the code's remaining seconds run out."""
    filled = round(width * remaining / period)
    full, empty = ("\u2588", "\u2591") if unicode else ("#", "-")
    return full * filled + empty * (width - filled)


def _watch_line(info: dict[str, Any], columns: int | None, unicode: bool) -> str:
    """The code, the countdown bar and the seconds left, fitted into ``columns`` when given.

    A redrawn line must stay shorter than the terminal: a wrapped line cannot be redrawn
    with a carriage return. The bar shrinks first, then goes; the code is always shown.
    """
    code, remaining = info["code"], f"{info['seconds_remaining']:>3} s"
    width = _BAR_WIDTH if columns is None else min(_BAR_WIDTH, columns - 1 - len(code) - len(remaining) - 3)
    if width >= 5:
        return f"{code}  {_bar(info['seconds_remaining'], info['period'], width, unicode)} {remaining}"
    line = f"{code} {remaining}"
    return line if columns is None or len(line) < columns else code


def _cmd_watch(args: argparse.Namespace) -> int:
    """``pyotp-rs watch``: the live code with a countdown bar, refreshed each second until Ctrl-C.

    On a terminal the line is redrawn in place, fitted to the terminal's width; otherwise one
    line is printed per second.
    """
    totp = load_totp(args)
    out = sys.stdout
    live = out.isatty()
    unicode = (out.encoding or "").lower().replace("-", "") == "utf8"
    ticks = 0
    try:
        while args.count is None or ticks < args.count:
            now = time.time()
            columns = shutil.get_terminal_size().columns if live else None
            line = _watch_line(_code_info(totp, int(now)), columns, unicode)
            out.write(f"\r{line}\x1b[K" if live else f"{line}\n")
            out.flush()
            ticks += 1
            if args.count is None or ticks < args.count:
                time.sleep(1 - now % 1)
    except KeyboardInterrupt:
        pass
    if live:
        out.write("\n")
    return 0
