"""Reading the secret or otpauth URI a command works on, and turning it into an OTP object.

Secrets never need to appear on the command line (where ``ps`` shows them): they come from
a hidden prompt, ``--secret-env VAR`` or standard input; ``--secret-arg`` exists but warns.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from .._pyotp_rs import parse_uri
from ..totp import TOTP
from .errors import LIBRARY_ERRORS, CliError
from .options import ALGORITHMS

SECRET_PROMPT = "Enter your secret key: "
URI_PROMPT = "Enter the otpauth URI: "


def read_input(args: argparse.Namespace, what: str, prompt: str) -> str:
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


def is_uri(text: str) -> bool:
    """Whether ``text`` looks like an otpauth URI rather than a base32 secret."""
    return text[:10].lower() == "otpauth://"


def algorithm_name(otp: Any) -> str:
    """The upper-case hash name (``SHA1`` ...) of an OTP object's digest."""
    return str(otp.digest().name).upper()


def _check_secret(make: Callable[[], TOTP]) -> TOTP:
    """``make()``, checked to have a valid base32 secret of at least 112 bits, else ``CliError``."""
    try:
        totp = make()
        totp.byte_secret()
    except LIBRARY_ERRORS as error:
        raise CliError(f"invalid secret: {error}") from None
    return totp


def load_totp(args: argparse.Namespace) -> TOTP:
    """The TOTP described by the command's secret input and ``--digits/--period/--algorithm``."""
    text = read_input(args, "secret", SECRET_PROMPT)
    if is_uri(text):
        given = [f"--{name}" for name in ("digits", "period", "algorithm") if getattr(args, name) is not None]
        if given:
            raise CliError(f"{', '.join(given)} cannot be combined with an otpauth URI, which sets them")
        try:
            otp = parse_uri(text)
        except LIBRARY_ERRORS as error:
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
        digest=ALGORITHMS[args.algorithm or "SHA1"],
    )


def load_uri(args: argparse.Namespace) -> tuple[str, Any]:
    """The otpauth URI from the command's input, with the OTP object it parses to."""
    text = read_input(args, "otpauth URI", URI_PROMPT)
    if not is_uri(text):
        raise CliError("expected an otpauth:// URI")
    try:
        return text, parse_uri(text)
    except LIBRARY_ERRORS as error:
        raise CliError(f"invalid otpauth URI: {error}") from None
