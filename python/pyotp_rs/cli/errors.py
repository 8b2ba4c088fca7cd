"""The errors a command reports as one line on standard error with exit status 1."""

from __future__ import annotations

import binascii
import re
from typing import Any

from ..exceptions import PyOTPError

PROG = "pyotp-rs"

LIBRARY_ERRORS = (ValueError, TypeError, binascii.Error, PyOTPError)
"""The exceptions the library raises for bad input; ``main`` reports their message."""


class CliError(Exception):
    """Bad input detected by the command line itself; reported as one line, exit status 1."""


class UsageError(CliError):
    """A bad combination of options found by a command; reported as a usage error, exit status 2."""


_PASSWORDS = (
    (re.compile(r"(?<=://)([^/@:\s]*):[^/@\s]*@"), r"\1:***@"),
    (re.compile(r"(password\s*=\s*)\S+", re.IGNORECASE), r"\1***"),
)
"""Passwords as a URL (``user:pw@``) or a libpq connection string (``password=pw``) holds them."""


def database_error(error: Any) -> str:
    """One line for a database that cannot be opened (a ``sqlalchemy.exc.SQLAlchemyError``).

    The driver's first line says why (refused connection, no such file, a directory); a
    password in a URL or connection string it echoes is masked.
    """
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    line = f"cannot open the database: {reason[0] if reason else type(error).__name__}"
    for pattern, mask in _PASSWORDS:
        line = pattern.sub(mask, line)
    return line
