"""The commands that work with enrolments and otpauth URIs: ``new``, ``qr`` and ``parse``."""

from __future__ import annotations

import argparse
from typing import Any

from ..contrib.steam import Steam
from ..hotp import HOTP
from .options import Commands, add_json_option, add_otp_options, add_secret_options, positive_int
from .output import print_json, write_private
from .secret_input import algorithm_name, load_uri


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    """Add ``new``, ``qr`` and ``parse``."""
    new = commands.add_parser("new", help="enrol: a new random secret, its URI and QR code")
    new.add_argument("--issuer", required=True, help="service name shown by authenticator apps")
    new.add_argument("--account", required=True, help="account name, e.g. an e-mail address")
    add_otp_options(new, defaults=True)
    _add_qr_options(new)
    add_json_option(new, "print the enrolment as a JSON object")
    new.set_defaults(handler=_cmd_new)

    qr = commands.add_parser("qr", help="show the QR code of an otpauth URI or write it to a file")
    add_secret_options(qr, "URI")
    _add_qr_options(qr)
    qr.set_defaults(handler=_cmd_qr)

    parse = commands.add_parser("parse", help="print the fields of an otpauth URI as JSON")
    add_secret_options(parse, "URI")
    parse.set_defaults(handler=_cmd_parse)


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
    group.add_argument("--scale", type=positive_int, help="pixels per QR module in the images")
    group.add_argument(
        "--invert", action="store_true", help="draw the terminal QR code for a light background"
    )


def _emit_qr(args: argparse.Namespace, uri: str) -> str | None:
    """Write the QR code of ``uri`` to the ``--png``/``--svg`` files.

    Returns the code as terminal text when no file was asked for, else None.
    """
    from .. import qr

    code = qr.make(uri)
    scale = {} if args.scale is None else {"scale": args.scale}
    if args.png:
        write_private(args.png, code.png(**scale))
    if args.svg:
        write_private(args.svg, code.svg(**scale).encode())
    return None if args.png or args.svg else code.terminal(invert=args.invert)


def _cmd_new(args: argparse.Namespace) -> int:
    """``pyotp-rs new``: a new secret with its URI, QR code and current code."""
    from ..enrollment import enroll

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


def _cmd_qr(args: argparse.Namespace) -> int:
    """``pyotp-rs qr``: the QR code of a URI on the terminal, or in ``--png``/``--svg`` files."""
    uri, _ = load_uri(args)
    picture = _emit_qr(args, uri)
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
