"""The ``pyotp-rs`` command line: current codes, verification, enrolment and QR codes.

Secrets never need to appear on the command line (where ``ps`` shows them): by default
they are read from a hidden prompt, ``--secret-env VAR`` or standard input, and an
``otpauth://`` URI is accepted wherever a secret is. Errors are reported as one line on
standard error with a non-zero exit status (2 for usage errors, 1 for bad input).
"""

from __future__ import annotations

import argparse
import binascii
import datetime
import getpass
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ._pyotp_rs import __version__, parse_uri
from .contrib.steam import Steam
from .exceptions import OTPVerificationError, PyOTPError
from .hotp import HOTP
from .totp import TOTP

__all__ = ["main"]

PROG = "pyotp-rs"
SECRET_PROMPT = "Enter your secret key: "
URI_PROMPT = "Enter the otpauth URI: "
_ALGORITHMS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}
_LIBRARY_ERRORS = (ValueError, TypeError, binascii.Error, PyOTPError)
_BAR_WIDTH = 30


class CliError(Exception):
    """Bad input detected by the command line itself; reported as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as ``pyotp-rs: error: ...`` and exit with status 2."""
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    """An argparse type: an integer greater than zero."""
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    """An argparse type: an integer of zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text!r}")
    return value


def _timestamp(text: str) -> float:
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


def _algorithm(text: str) -> str:
    """An argparse type: a hash algorithm name, case-insensitive."""
    name = text.upper()
    if name not in _ALGORITHMS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(_ALGORITHMS)}, not {text!r}")
    return name


def _add_secret_options(parser: argparse.ArgumentParser, what: str = "secret") -> None:
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


def _add_otp_options(parser: argparse.ArgumentParser, *, defaults: bool = False) -> None:
    """``--digits``, ``--period`` and ``--algorithm``; without ``defaults`` an otpauth URI sets them."""
    note = "" if defaults else "; an otpauth URI sets it instead"
    group = parser.add_argument_group("code parameters")
    group.add_argument(
        "--digits", type=_positive_int, default=6 if defaults else None, help=f"code length (default 6{note})"
    )
    group.add_argument(
        "--period",
        type=_positive_int,
        default=30 if defaults else None,
        help=f"time step in seconds (default 30{note})",
    )
    group.add_argument(
        "--algorithm",
        type=_algorithm,
        default="SHA1" if defaults else None,
        metavar="{SHA1,SHA256,SHA512}",
        help=f"HMAC hash (default SHA1{note})",
    )


def _add_qr_options(parser: argparse.ArgumentParser) -> None:
    """``--png FILE``, ``--svg FILE``, ``--scale`` and ``--invert``."""
    group = parser.add_argument_group("QR code output")
    group.add_argument(
        "--png",
        metavar="FILE",
        help="write the QR code to FILE as a PNG image (created with mode 0600) instead of the terminal",
    )
    group.add_argument(
        "--svg",
        metavar="FILE",
        help="write the QR code to FILE as an SVG image (created with mode 0600) instead of the terminal",
    )
    group.add_argument("--scale", type=_positive_int, help="pixels per QR module in the images")
    group.add_argument(
        "--invert", action="store_true", help="draw the terminal QR code for a light background"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pyotp-rs`` with all its subcommands."""
    parser = _Parser(
        prog=PROG,
        description="Time-based one-time passwords (TOTP) from the command line.",
        epilog="Run 'pyotp-rs COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    now = commands.add_parser("now", help="print the current code and the seconds it stays valid")
    _add_secret_options(now)
    _add_otp_options(now)
    now.add_argument("--json", action="store_true", help="print a JSON object for scripts")
    now.set_defaults(handler=_cmd_now)

    at = commands.add_parser("at", help="print the code at a given time")
    at.add_argument(
        "--time",
        type=_timestamp,
        required=True,
        metavar="T",
        help="Unix seconds, or ISO 8601 such as 2025-01-31T12:00:00Z (UTC when no offset is given)",
    )
    _add_secret_options(at)
    _add_otp_options(at)
    at.add_argument("--json", action="store_true", help="print a JSON object for scripts")
    at.set_defaults(handler=_cmd_at)

    verify = commands.add_parser("verify", help="check a code; exit status 0 if valid, 1 if not")
    verify.add_argument("code", metavar="CODE", help="the code to check")
    verify.add_argument(
        "--window",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="also accept codes up to N time steps before or after (default 0)",
    )
    verify.add_argument("--time", type=_timestamp, metavar="T", help="check at this time instead of now")
    _add_secret_options(verify)
    _add_otp_options(verify)
    verify.add_argument("--json", action="store_true", help="print a JSON object for scripts")
    verify.set_defaults(handler=_cmd_verify)

    new = commands.add_parser("new", help="enrol: a new random secret, its URI and QR code")
    new.add_argument("--issuer", required=True, help="service name shown by authenticator apps")
    new.add_argument("--account", required=True, help="account name, e.g. an e-mail address")
    _add_otp_options(new, defaults=True)
    _add_qr_options(new)
    new.add_argument("--json", action="store_true", help="print the enrolment as a JSON object")
    new.set_defaults(handler=_cmd_new)

    qr = commands.add_parser("qr", help="show the QR code of an otpauth URI or write it to a file")
    _add_secret_options(qr, "URI")
    _add_qr_options(qr)
    qr.set_defaults(handler=_cmd_qr)

    parse = commands.add_parser("parse", help="print the fields of an otpauth URI as JSON")
    _add_secret_options(parse, "URI")
    parse.set_defaults(handler=_cmd_parse)

    watch = commands.add_parser("watch", help="show the live code with a countdown until Ctrl-C")
    _add_secret_options(watch)
    _add_otp_options(watch)
    watch.add_argument("--count", type=_positive_int, help=argparse.SUPPRESS)
    watch.set_defaults(handler=_cmd_watch)
    return parser


def _read_input(args: argparse.Namespace, what: str, prompt: str) -> str:
    """The secret or URI from ``--secret-arg``, ``--secret-env``, a hidden prompt or standard input."""
    if args.secret_arg is not None:
        text: str = args.secret_arg
    elif args.secret_env is not None:
        value = os.environ.get(args.secret_env)
        if value is None:
            raise CliError(f"environment variable {args.secret_env} is not set")
        text = value
    elif sys.stdin is not None and sys.stdin.isatty():
        try:
            text = getpass.getpass(prompt)
        except EOFError:
            text = ""
    else:
        lines = [line.strip() for line in (sys.stdin.read() if sys.stdin else "").splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > 1:
            raise CliError(f"standard input holds more than one line; give one {what}")
        text = lines[0] if lines else ""
    text = text.strip()
    if not text:
        raise CliError(f"no {what} given")
    return text


def _is_uri(text: str) -> bool:
    """Whether ``text`` looks like an otpauth URI rather than a base32 secret."""
    return text[:10].lower() == "otpauth://"


def _algorithm_name(otp: Any) -> str:
    """The upper-case hash name (``SHA1`` ...) of an OTP object's digest."""
    return str(otp.digest().name).upper()


def _check_secret(make: Callable[[], TOTP]) -> TOTP:
    """``make()``, checked to have a valid base32 secret of at least 112 bits, else ``CliError``."""
    try:
        totp = make()
        totp.byte_secret()
    except _LIBRARY_ERRORS as error:
        raise CliError(f"invalid secret: {error}") from None
    return totp


def _load_totp(args: argparse.Namespace) -> TOTP:
    """The TOTP described by the command's secret input and ``--digits/--period/--algorithm``."""
    text = _read_input(args, "secret", SECRET_PROMPT)
    if _is_uri(text):
        given = [f"--{name}" for name in ("digits", "period", "algorithm") if getattr(args, name) is not None]
        if given:
            raise CliError(f"{', '.join(given)} cannot be combined with an otpauth URI, which sets them")
        try:
            otp = parse_uri(text)
        except _LIBRARY_ERRORS as error:
            raise CliError(f"invalid otpauth URI: {error}") from None
        if not isinstance(otp, TOTP):
            raise CliError("the URI is for a counter-based (HOTP) code; this command needs a TOTP URI")
        return _check_secret(lambda: otp)
    secret = "".join(text.split())
    _check_secret(lambda: TOTP(secret))
    return TOTP(
        secret,
        digits=args.digits if args.digits is not None else 6,
        interval=args.period if args.period is not None else 30,
        digest=_ALGORITHMS[args.algorithm or "SHA1"],
    )


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
        "algorithm": _algorithm_name(totp),
    }


def _print_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    print(json.dumps(data, indent=2))


def _cmd_now(args: argparse.Namespace) -> int:
    """``pyotp-rs now``: the current code and how long it stays valid."""
    totp = _load_totp(args)
    info = _code_info(totp, int(time.time()))
    if args.json:
        _print_json(info)
    else:
        print(f"{info['code']}  (valid for {info['seconds_remaining']} s)")
    return 0


def _cmd_at(args: argparse.Namespace) -> int:
    """``pyotp-rs at --time T``: the code at a given time."""
    totp = _load_totp(args)
    info = _code_info(totp, args.time)
    if args.json:
        _print_json(info)
    else:
        print(info["code"])
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    """``pyotp-rs verify CODE``: exit status 0 when the code is valid, 1 when it is not."""
    totp = _load_totp(args)
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
        _print_json({"valid": valid, "time": for_time, "timecode": matched, "offset": offset})
    else:
        print("valid" if valid else "invalid")
    return 0 if valid else 1


def _write_private(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``, readable by the owner only (a QR code holds the secret)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _emit_qr(args: argparse.Namespace, uri: str) -> str | None:
    """Write the QR code of ``uri`` to the ``--png``/``--svg`` files.

    Returns the code as terminal text when no file was asked for, else None.
    """
    from . import qr

    code = qr.make(uri)
    scale = {} if args.scale is None else {"scale": args.scale}
    if args.png:
        _write_private(args.png, code.png(**scale))
    if args.svg:
        _write_private(args.svg, code.svg(**scale).encode())
    return None if args.png or args.svg else code.terminal(invert=args.invert)


def _cmd_new(args: argparse.Namespace) -> int:
    """``pyotp-rs new``: a new secret with its URI, QR code and current code."""
    from .enrollment import enroll

    enrolment = enroll(
        args.issuer, args.account, digits=args.digits, period=args.period, algorithm=args.algorithm
    )
    picture = _emit_qr(args, enrolment["uri"])
    if args.json:
        _print_json(enrolment)
        return 0
    print(f"Secret: {enrolment['secret']}")
    print(f"URI:    {enrolment['uri']}")
    if picture is not None:
        print(picture)
    print(f"Current code: {enrolment['current_code']}")
    return 0


def _load_uri(args: argparse.Namespace) -> tuple[str, Any]:
    """The otpauth URI from the command's input, with the OTP object it parses to."""
    text = _read_input(args, "otpauth URI", URI_PROMPT)
    if not _is_uri(text):
        raise CliError("expected an otpauth:// URI")
    try:
        return text, parse_uri(text)
    except _LIBRARY_ERRORS as error:
        raise CliError(f"invalid otpauth URI: {error}") from None


def _cmd_qr(args: argparse.Namespace) -> int:
    """``pyotp-rs qr``: the QR code of a URI on the terminal, or in ``--png``/``--svg`` files."""
    uri, _ = _load_uri(args)
    picture = _emit_qr(args, uri)
    if picture is not None:
        print(picture)
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    """``pyotp-rs parse``: the fields of an otpauth URI as JSON."""
    _, otp = _load_uri(args)
    fields: dict[str, Any] = {
        "type": "hotp" if isinstance(otp, HOTP) else "totp",
        "issuer": otp.issuer,
        "name": otp.name,
        "secret": otp.secret,
        "digits": otp.digits,
        "algorithm": _algorithm_name(otp),
    }
    if isinstance(otp, HOTP):
        fields["counter"] = otp.initial_count
    else:
        fields["period"] = otp.interval
    if isinstance(otp, Steam):
        fields["encoder"] = "steam"
    _print_json(fields)
    return 0


def _bar(remaining: int, period: int, unicode: bool) -> str:
    """A bar whose filled part shrinks as the code's remaining seconds run out."""
    filled = round(_BAR_WIDTH * remaining / period)
    full, empty = ("\u2588", "\u2591") if unicode else ("#", "-")
    return full * filled + empty * (_BAR_WIDTH - filled)


def _cmd_watch(args: argparse.Namespace) -> int:
    """``pyotp-rs watch``: the live code with a countdown bar, refreshed each second until Ctrl-C.

    On a terminal the line is redrawn in place; otherwise one line is printed per second.
    """
    totp = _load_totp(args)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pyotp-rs`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as error:
        message = str(error)
    except _LIBRARY_ERRORS as error:
        message = str(error) or type(error).__name__
    except BrokenPipeError:
        # The reader went away (e.g. ``watch | head -1``): stop quietly, and keep the
        # interpreter's final flush of stdout from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        message = f"{error.filename}: {error.strerror}" if error.filename else str(error)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return 1
