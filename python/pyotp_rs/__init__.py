"""pyotp_rs: a fast, drop-in replacement for pyotp (HOTP/TOTP one-time passwords).

``import pyotp_rs as pyotp`` keeps code written for pyotp 2.12 working; the HMAC,
base32 and otpauth URI work happens in Rust.

>>> import pyotp_rs as pyotp
>>> totp = pyotp.TOTP("base32secret32323232323232")
>>> totp.at(1234567890)
'763850'
"""

from . import compat, contrib, exceptions, hotp, otp, qr, storage, totp, transfer, utils
from ._pyotp_rs import __version__, parse_uri, random_base32, random_hex, totp_code
from .compat import random
from .enrollment import enroll
from .exceptions import (
    DecryptionError,
    InvalidTokenError,
    MalformedTokenError,
    OTPVerificationError,
    PyOTPError,
    TokenError,
    UsedTokenError,
)
from .hotp import HOTP
from .otp import OTP
from .storage import TotpMatch, Wallet
from .totp import TOTP

__all__ = [
    "HOTP",
    "OTP",
    "TOTP",
    "DecryptionError",
    "InvalidTokenError",
    "MalformedTokenError",
    "OTPVerificationError",
    "PyOTPError",
    "TokenError",
    "TotpMatch",
    "UsedTokenError",
    "Wallet",
    "__version__",
    "compat",
    "contrib",
    "enroll",
    "exceptions",
    "hotp",
    "otp",
    "parse_uri",
    "qr",
    "random",
    "random_base32",
    "random_hex",
    "storage",
    "totp",
    "totp_code",
    "transfer",
    "utils",
]
