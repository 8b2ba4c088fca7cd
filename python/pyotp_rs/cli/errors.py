"""The errors a command reports as one line on standard error with exit status 1."""

from __future__ import annotations

import binascii

from ..exceptions import PyOTPError

PROG = "pyotp-rs"

LIBRARY_ERRORS = (ValueError, TypeError, binascii.Error, PyOTPError)
"""The exceptions the library raises for bad input; ``main`` reports their message."""


class CliError(Exception):
    """Bad input detected by the command line itself; reported as one line, exit status 1."""


class UsageError(CliError):
    """A bad combination of options found by a command; reported as a usage error, exit status 2."""
