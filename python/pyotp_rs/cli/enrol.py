"""The commands that work with enrolments and otpauth URIs: ``new``, ``qr`` and ``parse``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..contrib.steam import Steam
from ..hotp import HOTP
from .errors import PROG, CliError, UsageError
from .options import (
    Commands,
    add_counter_option,
    add_force_option,
    add_json_option,
    add_otp_options,
    add_secret_options,
    int_from,
)
from .output import print_json, say, write_private
from .secret_input import SECRET_PROMPT, URI_PROMPT, algorithm_name, load_secret_or_uri, load_uri, make_otp

STDOUT = "-"
"""The file name that means standard output."""


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``new``, ``qr`` and ``parse``."""
    new = commands.add_parser("new", help="enrol: a new random secret, its URI and QR code")
    _add_label_options(new, required=True)
    add_otp_options(new, enrolment=True)
    _add_qr_options(new, stdout=False)
    add_json_option(new, "print the enrolment as a JSON object")
    new.set_defaults(handler=_cmd_new)

    qr = commands.add_parser(
        "qr",
        help="show the QR code of an otpauth URI, or of a secret with --account, or write it to a file",
        description="Show the QR code of an otpauth URI, or of a plain secret with --account "
        "(and --issuer and the code options), on the terminal or in an image file.",
    )
    add_secret_options(qr, "URI or secret")
    _add_label_options(qr, required=False)
    add_otp_options(qr)
    add_counter_option(qr, "encode a counter-based URI")
    _add_qr_options(qr, stdout=True)
    qr.set_defaults(handler=_cmd_qr)

    parse = commands.add_parser("parse", help="print the fields of an otpauth URI as JSON")
    add_secret_options(parse, "URI")
    parse.set_defaults(handler=_cmd_parse)


def _add_label_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """``--issuer`` and ``--account``, the label authenticator apps show."""
    parser.add_argument("--issuer", required=required, help="service name shown by authenticator apps")
    parser.add_argument("--account", required=required, help="account name, e.g. an e-mail address")


def _add_qr_options(parser: argparse.ArgumentParser, *, stdout: bool) -> None:
    """``--png FILE``, ``--svg FILE``, ``--scale`` and ``--invert``."""
    group = parser.add_argument_group("QR code output")
    to_stdout = " ('-': standard output)" if stdout else ""
    for kind in ("png", "svg"):
        group.add_argument(
            f"--{kind}",
            metavar="FILE",
            help=f"write the QR code to FILE{to_stdout} as a {kind.upper()} image (created with mode "
            "0600) instead of the terminal",
        )
    group.add_argument("--scale", type=int_from(1, 64), help="pixels per QR module in the images, 1 to 64")
    group.add_argument(
        "--invert", action="store_true", help="draw the terminal QR code for a light background"
    )
    add_force_option(group)
    parser.set_defaults(stdout_allowed=stdout)


def _check_qr_options(args: argparse.Namespace) -> None:
    """Refuse QR output options that contradict each other."""
    files = [f"--{kind}" for kind in ("png", "svg") if getattr(args, kind)]
    if args.invert and files:
        raise UsageError(f"argument --invert: applies to the terminal QR code only, not to {files[0]}")
    to_stdout = [name for name in files if getattr(args, name[2:]) == STDOUT]
    if to_stdout and not args.stdout_allowed:
        raise UsageError(
            f"argument {to_stdout[0]}: '-' (standard output) works with 'qr' only; give a file name"
        )
    if len(to_stdout) > 1:
        raise UsageError("argument --svg: only one of --png and --svg can write to standard output")
    if args.scale is not None and not files:
        raise UsageError("argument --scale: applies to --png and --svg images only")
    if args.force and not files:
        raise UsageError("argument --force: applies to --png and --svg files only")


def _write(path: str, data: bytes, what: str, *, force: bool) -> None:
    """Write ``data`` to the file ``path`` (mode 0600) and say so on stderr, or to stdout for '-'.

    An existing file is replaced only with ``force``.
    """
    if path == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_private(path, data, overwrite=force)
    say(f"{PROG}: wrote {what} to {path}", sys.stderr)


def _emit_qr(args: argparse.Namespace, uri: str) -> str | None:
    """Write the QR code of ``uri`` to the ``--png``/``--svg`` files.

    Returns the code as terminal text when no file was asked for, else None.
    """
    from .. import qr

    code = qr.make(uri)
    scale = {} if args.scale is None else {"scale": args.scale}
    if args.png:
        _write(args.png, code.png(**scale), "the PNG QR code", force=args.force)
    if args.svg:
        _write(args.svg, code.svg(**scale).encode(), "the SVG QR code", force=args.force)
    return None if args.png or args.svg else code.terminal(invert=args.invert)


def _cmd_new(args: argparse.Namespace) -> int:
    """``pyotp-rs new``: a new secret with its URI, QR code and current code."""
    from ..enrollment import enroll

    _check_qr_options(args)
    enrolment = enroll(
        args.issuer, args.account, digits=args.digits, period=args.period, algorithm=args.algorithm
    )
    picture = _emit_qr(args, enrolment["uri"])
    if args.json:
        print_json(enrolment)
        return 0
    print(f"Secret: {enrolment['secret']}")
    print(f"URI:    {enrolment['uri']}")
    if picture is not None:
        print(picture)
    print(f"Current code: {enrolment['current_code']}")
    return 0


def _qr_uri(args: argparse.Namespace) -> str:
    """The URI ``qr`` encodes: the input URI, or one built from a plain secret and the options."""
    prompt = SECRET_PROMPT if args.account is not None else URI_PROMPT
    text, parsed = load_secret_or_uri(args, "otpauth URI or secret", prompt)
    options = ["issuer", "account", "digits", "period", "algorithm", "counter"]
    given = [f"--{name}" for name in options if getattr(args, name) is not None]
    if parsed is not None:
        if given:
            raise CliError(f"{', '.join(given)} cannot be combined with an otpauth URI, which sets them")
        return text
    if args.account is None:
        raise CliError("a plain secret needs --account (and usually --issuer); or give an otpauth:// URI")
    otp = make_otp(text, args, name=args.account, issuer=args.issuer)
    return str(otp.provisioning_uri())


def _cmd_qr(args: argparse.Namespace) -> int:
    """``pyotp-rs qr``: the QR code of a URI on the terminal, or in ``--png``/``--svg`` files."""
    _check_qr_options(args)
    picture = _emit_qr(args, _qr_uri(args))
    if picture is not None:
        print(picture)
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    """``pyotp-rs parse``: the fields of an otpauth URI as JSON."""
    _, otp = load_uri(args)
    fields: dict[str, Any] = {
        "type": "hotp" if isinstance(otp, HOTP) else "totp",
        "issuer": otp.issuer,
        "name": otp.name,
        "secret": otp.secret,
        "digits": otp.digits,
        "algorithm": algorithm_name(otp),
    }
    if isinstance(otp, HOTP):
        fields["counter"] = otp.initial_count
    else:
        fields["period"] = otp.interval
    if isinstance(otp, Steam):
        fields["encoder"] = "steam"
    print_json(fields)
    return 0
