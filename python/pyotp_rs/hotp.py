"""Counter-based one-time passwords (``pyotp.hotp``)."""

from ._pyotp_rs import HOTP

__all__ = ["HOTP"]
