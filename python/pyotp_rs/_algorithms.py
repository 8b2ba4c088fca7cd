"""The HMAC hash algorithms an OTP account may name, shared by enrolment, transfer, the CLI and the service."""

import hashlib
from collections.abc import Callable
from typing import Any

#: The ``hashlib`` constructor for each algorithm name otpauth URIs use.
DIGESTS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}
