"""Reading the secret or otpauth URI a command works on, and turning it into an OTP object.

Secrets never need to appear on the command line (where ``ps`` shows them): they come from
a hidden prompt, ``--secret-env VAR`` or standard input; ``--secret-arg`` exists but warns.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .._algorithms import DIGESTS
from .._pyotp_rs import parse_uri
from ..hotp import HOTP
from ..otp import OTP
from ..totp import TOTP
from .errors import LIBRARY_ERRORS, CliError

SECRET_PROMPT = "Enter your secret key: "
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
URI_PROMPT = "Enter the otpauth URI: "
SHORT_SECRET_HINT = "; pass --allow-short-secret to use a legacy 80-bit secret"
AnyOTP = TypeVar("AnyOTP", bound=OTP)

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


def _refuse_other_uri(text: str) -> None:
    """Refuse a URI of another scheme given where a secret or otpauth URI is expected.

    A base32 secret never holds ``:``, so ``http://...`` is a URI, not a bad secret.
    Only the scheme is echoed: the rest could hold a secret.
    """
    scheme = _SCHEME.match(text)
    if scheme is None:
        return
    name = scheme.group(1).lower()
    if name == "otpauth":
        raise CliError("invalid otpauth URI: it must start with otpauth://")
    if name == "otpauth-migration":
        raise CliError(
            "not an otpauth URI: an otpauth-migration URI holds a batch of accounts; "
            "list them with 'pyotp-rs import' or take one out with 'pyotp-rs export --format uris'"
        )
    raise CliError(f"not an otpauth URI: the scheme is {name!r}; expected otpauth:// or a base32 secret")


def plain_secret(text: str) -> str:
    """A base32 secret as people write it (groups split by spaces or dashes), without the separators."""
    return "".join(text.split()).replace("-", "")


def algorithm_name(otp: Any) -> str:
    """The upper-case hash name (``SHA1`` ...) of an OTP object's digest."""
    return str(otp.digest().name).upper()


def _build(make: Callable[[bool], AnyOTP], args: argparse.Namespace, what: str) -> AnyOTP:
    """``make(allow_short_secret)``, its secret checked; a library error becomes ``CliError``.

    When the only fault is a secret shorter than 112 bits, the message names the opt-in.
    """
    allow = bool(getattr(args, "allow_short_secret", False))
    try:
        return _with_secret_checked(make(allow))
    except LIBRARY_ERRORS as error:
        message = f"{what}: {error}"
    if not allow:
        try:
            _with_secret_checked(make(True))
        except LIBRARY_ERRORS:
            pass
        else:
            message += SHORT_SECRET_HINT
    raise CliError(message)


def _with_secret_checked(otp: AnyOTP) -> AnyOTP:
    """``otp``, after decoding its secret (which raises for a bad one)."""
    otp.byte_secret()
    return otp


def make_otp(secret: str, args: argparse.Namespace, **labels: str | None) -> TOTP | HOTP:
    """The OTP of a plain secret and the code options: HOTP when ``--counter`` is given."""
    digest = DIGESTS[args.algorithm or "SHA1"]
    digits = args.digits if args.digits is not None else 6
    counter = getattr(args, "counter", None)
    if counter is None:
        period = args.period if args.period is not None else 30
        return _build(
            lambda allow: TOTP(
                secret, digits=digits, digest=digest, interval=period, allow_short_secret=allow, **labels
            ),
            args,
            "invalid secret",
        )
    if args.period is not None:
        raise CliError("--period cannot be combined with --counter (a counter-based code)")
    return _build(
        lambda allow: HOTP(
            secret, digits=digits, digest=digest, initial_count=counter, allow_short_secret=allow, **labels
        ),
        args,
        "invalid secret",
    )


def _parse(text: str, args: argparse.Namespace) -> OTP:
    """``parse_uri(text)``, with its errors as ``CliError``."""
    return _build(lambda allow: parse_uri(text, allow_short_secret=allow), args, "invalid otpauth URI")


def load_otp(args: argparse.Namespace) -> TOTP | HOTP:
    """The OTP described by the command's secret input and code options.

    A plain secret makes a TOTP, or an HOTP with ``--counter``; an otpauth URI sets the
    parameters itself, and ``--counter`` then picks the counter of an HOTP URI.
    """
    text = read_input(args, "secret", SECRET_PROMPT)
    if not is_uri(text):
        _refuse_other_uri(text)
        return make_otp(plain_secret(text), args)
    given = [f"--{name}" for name in ("digits", "period", "algorithm") if getattr(args, name) is not None]
    if given:
        raise CliError(f"{', '.join(given)} cannot be combined with an otpauth URI, which sets them")
    otp = _parse(text, args)
    counter = getattr(args, "counter", None)
    if isinstance(otp, TOTP):
        if counter is not None:
            raise CliError("--counter needs a counter-based (HOTP) secret; the URI is for a time-based code")
        return otp
    hotp = cast(HOTP, otp)  # parse_uri makes a TOTP or an HOTP
    if counter is not None:
        hotp.initial_count = counter
    return hotp


def load_totp(args: argparse.Namespace) -> TOTP:
    """The time-based OTP of the command's secret input; an HOTP URI is refused."""
    otp = load_otp(args)
    if not isinstance(otp, TOTP):
        raise CliError("the URI is for a counter-based (HOTP) code; this command needs a time-based one")
    return otp


def load_secret_or_uri(args: argparse.Namespace, what: str, prompt: str) -> tuple[str, Any]:
    """The input text (a URI or a plain secret) and, for a URI, the OTP object it parses to."""
    text = read_input(args, what, prompt)
    if is_uri(text):
        return text, _parse(text, args)
    _refuse_other_uri(text)
    return plain_secret(text), None


def load_uri(args: argparse.Namespace) -> tuple[str, Any]:
    """The otpauth URI from the command's input, with the OTP object it parses to."""
    text = read_input(args, "otpauth URI", URI_PROMPT)
    if not is_uri(text):
        _refuse_other_uri(text)
        raise CliError("expected an otpauth:// URI")
    return text, _parse(text, args)
