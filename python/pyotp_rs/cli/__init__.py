"""The ``pyotp-rs`` command line: current codes, verification, enrolment, QR codes, import and export.

Secrets never need to appear on the command line (where ``ps`` shows them): by default
they are read from a hidden prompt, ``--secret-env VAR`` or standard input, and an
``otpauth://`` URI is accepted wherever a secret is. Errors are reported as one line on
standard error with a non-zero exit status (2 for usage errors, 1 for bad input).

Adding a command group: write a module ``pyotp_rs/cli/NAME.py`` with a function
``register(commands: Commands[argparse.ArgumentParser]) -> None`` (``Commands`` is in
``.options``) that calls ``commands.add_parser(...)`` for each of its commands and sets
``handler=`` (a function ``(argparse.Namespace) -> int`` returning the exit status) with
``set_defaults``; then add ``"NAME"`` to ``COMMAND_GROUPS``. Raise ``CliError`` for bad input
(exit status 1) and ``UsageError`` for a bad combination of options (exit status 2).
Keep the module's top-level imports light (import heavy dependencies such as a web framework
inside the handler), since every run imports every group.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from .._pyotp_rs import __version__
from .errors import LIBRARY_ERRORS, PROG, CliError, UsageError
from .options import Parser
from .output import say
from .secret_input import SECRET_HINT

__all__ = ["COMMAND_GROUPS", "build_parser", "main"]

COMMAND_GROUPS = (
    "codes",
    "enrol",
    "transfer",
    "serve",
)
"""The modules of this package that add commands, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pyotp-rs`` with the commands of every group."""
    parser = Parser(
        prog=PROG,
        description="Time-based one-time passwords (TOTP) from the command line.",
        epilog="Run 'pyotp-rs COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_GROUPS:
        import_module(f"{__name__}.{name}").register(commands)
    for command in commands.choices.values():
        command.set_defaults(command_parser=command)
    return parser


def _unrecognized(args: argparse.Namespace, extras: list[str]) -> str:
    """The usage error for arguments no option took, with a hint for a secret given as one."""
    message = f"unrecognized arguments: {' '.join(extras)}"
    what = getattr(args, "secret_input", None)
    if what is not None and any(not extra.startswith("-") for extra in extras):
        message += "; " + SECRET_HINT.format(what=what)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pyotp-rs`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    command: argparse.ArgumentParser = args.command_parser
    if extras:
        command.error(_unrecognized(args, extras))
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as error:
        command.error(str(error))
    except CliError as error:
        message = str(error)
    except LIBRARY_ERRORS as error:
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
    say(f"{PROG}: error: {message}", sys.stderr)
    return 1
