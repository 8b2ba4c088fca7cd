"""The commands that work with codes: ``now``, ``at``, ``verify`` and ``watch``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..exceptions import OTPVerificationError
from ..totp import TOTP
from .options import (
    Commands,
    add_json_option,
    add_otp_options,
    add_secret_options,
    non_negative_int,
    positive_int,
    timestamp,
)
from .output import print_json
from .secret_input import algorithm_name, load_totp

_BAR_WIDTH = 30


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``now``, ``at``, ``verify`` and ``watch``."""
    now = commands.add_parser("now", help="print the current code and the seconds it stays valid")
    add_secret_options(now)
    add_otp_options(now)
    add_json_option(now)
    now.set_defaults(handler=_cmd_now)

    at = commands.add_parser("at", help="print the code at a given time")
    at.add_argument(
        "--time",
        type=timestamp,
        required=True,
        metavar="T",
        help="Unix seconds, or ISO 8601 such as 2025-01-31T12:00:00Z (UTC when no offset is given)",
    )
    add_secret_options(at)
    add_otp_options(at)
    add_json_option(at)
    at.set_defaults(handler=_cmd_at)

    verify = commands.add_parser("verify", help="check a code; exit status 0 if valid, 1 if not")
    verify.add_argument("code", metavar="CODE", help="the code to check")
    verify.add_argument(
        "--window",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="also accept codes up to N time steps before or after (default 0)",
    )
    verify.add_argument("--time", type=timestamp, metavar="T", help="check at this time instead of now")
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


def _cmd_now(args: argparse.Namespace) -> int:
    """``pyotp-rs now``: the current code and how long it stays valid."""
    totp = load_totp(args)
    info = _code_info(totp, int(time.time()))
    if args.json:
        print_json(info)
    else:
        print(f"{info['code']}  (valid for {info['seconds_remaining']} s)")
    return 0


def _cmd_at(args: argparse.Namespace) -> int:
    """``pyotp-rs at --time T``: the code at a given time."""
    totp = load_totp(args)
    info = _code_info(totp, args.time)
    if args.json:
        print_json(info)
    else:
        print(info["code"])
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    """``pyotp-rs verify CODE``: exit status 0 when the code is valid, 1 when it is not."""
    totp = load_totp(args)
    for_time = args.time if args.time is not None else int(time.time())
    code = "".join(args.code.split())
    try:
        matched: int | None = int(
            totp.verify_and_get_timecode(code, for_time=for_time, valid_window=args.window)
        )
    except OTPVerificationError:
        matched = None
    valid = matched is not None
    if args.json:
        offset = None if matched is None else matched - int(totp.timecode(for_time))
        print_json({"valid": valid, "time": for_time, "timecode": matched, "offset": offset})
    else:
        print("valid" if valid else "invalid")
    return 0 if valid else 1


def _bar(remaining: int, period: int, unicode: bool) -> str:
    """A bar whose filled part shrinks as the code's remaining seconds run out."""
    filled = round(_BAR_WIDTH * remaining / period)
    full, empty = ("\u2588", "\u2591") if unicode else ("#", "-")
    return full * filled + empty * (_BAR_WIDTH - filled)


def _cmd_watch(args: argparse.Namespace) -> int:
    """``pyotp-rs watch``: the live code with a countdown bar, refreshed each second until Ctrl-C.

    On a terminal the line is redrawn in place; otherwise one line is printed per second.
    """
    totp = load_totp(args)
    out = sys.stdout
    live = out.isatty()
    unicode = (out.encoding or "").lower().replace("-", "") == "utf8"
    ticks = 0
    try:
        while args.count is None or ticks < args.count:
            now = time.time()
            info = _code_info(totp, int(now))
            line = f"{info['code']}  {_bar(info['seconds_remaining'], info['period'], unicode)}"
            line += f" {info['seconds_remaining']:>3} s"
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
