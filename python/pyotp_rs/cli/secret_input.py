"""Reading the secret or otpauth URI a command works on, and turning it into an OTP object.

Secrets never need to appear on the command line (where ``ps`` shows them): they come from
a hidden prompt, ``--secret-env VAR`` or standard input; ``--secret-arg`` exists but warns.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from .._pyotp_rs import parse_uri
from ..hotp import HOTP
from ..totp import TOTP
from .errors import LIBRARY_ERRORS, CliError
from .options import ALGORITHMS

SECRET_PROMPT = "Enter your secret key: "
URI_PROMPT = "Enter the otpauth URI: "
SECRET_HINT = (
    "a {what} is not taken as an argument (where 'ps' would show it): type it at the prompt, "
    "pipe it to standard input, or use --secret-env VAR (or the unsafe --secret-arg)"
)


def read_input(args: argparse.Namespace, what: str, prompt: str) -> str:
    """The secret or URI from ``--secret-arg``, ``--secret-env``, a hidden prompt or standard input."""
    if args.secret_arg is not None:
        text: str = args.secret_arg
    elif args.secret_env is not None:
        value = os.environ.get(args.secret_env)
        if value is None:
            raise CliError(f"environment variable {args.secret_env} is not set")
        if not value.strip():
            raise CliError(f"environment variable {args.secret_env} is empty")
        text = value
    elif sys.stdin is not None and sys.stdin.isatty():
        try:
            text = getpass.getpass(prompt)
        except EOFError:
            # Ctrl-D: end the prompt's line so the error starts on a line of its own.
            sys.stderr.write("\n")
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


def plain_secret(text: str) -> str:
    """A base32 secret as people write it (groups split by spaces or dashes), without the separators."""
    return "".join(text.split()).replace("-", "")


def algorithm_name(otp: Any) -> str:
    """The upper-case hash name (``SHA1`` ...) of an OTP object's digest."""
    return str(otp.digest().name).upper()


def _checked(otp: TOTP | HOTP) -> TOTP | HOTP:
    """``otp``, checked to have a valid base32 secret of at least 112 bits, else ``CliError``."""
    try:
        otp.byte_secret()
    except LIBRARY_ERRORS as error:
        raise CliError(f"invalid secret: {error}") from None
    return otp


def _parse(text: str) -> Any:
    """``parse_uri(text)``, with its errors as ``CliError``."""
    try:
        return parse_uri(text)
    except LIBRARY_ERRORS as error:
        raise CliError(f"invalid otpauth URI: {error}") from None


def make_otp(secret: str, args: argparse.Namespace, **labels: str | None) -> TOTP | HOTP:
    """The OTP of a plain secret and the code options: HOTP when ``--counter`` is given."""
    digest = ALGORITHMS[args.algorithm or "SHA1"]
    digits = args.digits if args.digits is not None else 6
    counter = getattr(args, "counter", None)
    try:
        if counter is not None:
            if args.period is not None:
                raise CliError("--period cannot be combined with --counter (a counter-based code)")
            return _checked(HOTP(secret, digits=digits, digest=digest, initial_count=counter, **labels))
        period = args.period if args.period is not None else 30
        return _checked(TOTP(secret, digits=digits, digest=digest, interval=period, **labels))
    except LIBRARY_ERRORS as error:
        raise CliError(f"invalid secret: {error}") from None


def load_otp(args: argparse.Namespace) -> TOTP | HOTP:
    """The OTP described by the command's secret input and code options.

    A plain secret makes a TOTP, or an HOTP with ``--counter``; an otpauth URI sets the
    parameters itself, and ``--counter`` then picks the counter of an HOTP URI.
    """
    text = read_input(args, "secret", SECRET_PROMPT)
    if not is_uri(text):
        return make_otp(plain_secret(text), args)
    given = [f"--{name}" for name in ("digits", "period", "algorithm") if getattr(args, name) is not None]
    if given:
        raise CliError(f"{', '.join(given)} cannot be combined with an otpauth URI, which sets them")
    otp = _parse(text)
    counter = getattr(args, "counter", None)
    if isinstance(otp, HOTP):
        if counter is not None:
            otp.initial_count = counter
    elif counter is not None:
        raise CliError("--counter needs a counter-based (HOTP) secret; the URI is for a time-based code")
    return _checked(otp)


def load_totp(args: argparse.Namespace) -> TOTP:
    """The time-based OTP of the command's secret input; an HOTP URI is refused."""
    otp = load_otp(args)
    if not isinstance(otp, TOTP):
        raise CliError("the URI is for a counter-based (HOTP) code; this command needs a time-based one")
    return otp


def load_secret_or_uri(args: argparse.Namespace, what: str, prompt: str) -> tuple[str, Any]:
    """The input text (a URI or a plain secret) and, for a URI, the OTP object it parses to."""
    text = read_input(args, what, prompt)
    return (text, _parse(text)) if is_uri(text) else (plain_secret(text), None)


def load_uri(args: argparse.Namespace) -> tuple[str, Any]:
    """The otpauth URI from the command's input, with the OTP object it parses to."""
    text = read_input(args, "otpauth URI", URI_PROMPT)
    if not is_uri(text):
        raise CliError("expected an otpauth:// URI")
    return text, _parse(text)
