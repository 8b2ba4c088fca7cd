"""One-call enrolment: a new TOTP secret with its provisioning URI, QR code and current code."""

from typing import TypedDict

from ._algorithms import DIGESTS
from ._pyotp_rs import TOTP, random_base32

__all__ = ["Enrollment", "enroll"]


class Enrollment(TypedDict):
    """What :func:`enroll` returns (a plain ``dict`` at run time)."""

    secret: str
    """The new base32 secret (160 bits), to store server-side."""
    uri: str
    """The ``otpauth://totp/...`` provisioning URI."""
    qr_code: str
    """The URI's QR code as a ``data:image/png;base64,...`` URI."""
    current_code: str
    """The code for the current time step, to check the set-up end to end."""


# Like the hosted endpoint whose contract enroll() follows, every bad argument, wrong types
# included, is a ValueError (a 400 there).
def _check_label(argument: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{argument} must be a str, not {type(value).__name__}")  # noqa: TRY004
    if not value.strip():
        raise ValueError(f"{argument} must not be empty")
    if ":" in value:
        raise ValueError(f"{argument} must not contain ':' (it separates issuer and account in the label)")
    return value


def enroll(
    issuer: str,
    account_name: str,
    digits: int = 6,
    period: int = 30,
    algorithm: str = "SHA1",
) -> Enrollment:
    """Creates a TOTP secret and everything an authenticator app needs to enrol it.

    ``issuer`` and ``account_name`` are non-empty strings without ``':'``; ``digits`` is 6 or 8;
    ``period`` is an integer from 10 to 120 seconds; ``algorithm`` is ``"SHA1"``, ``"SHA256"``
    or ``"SHA512"``, in any case. Anything else, including an argument of the wrong type, raises ValueError.
    Returns a dict with ``secret``, ``uri``, ``qr_code`` (a PNG data URI) and ``current_code``.

    >>> result = enroll("Example", "alice@example.com", digits=8, algorithm="SHA256")
    >>> sorted(result)
    ['current_code', 'qr_code', 'secret', 'uri']
    """
    _check_label("issuer", issuer)
    _check_label("account_name", account_name)
    if type(digits) is not int or digits not in (6, 8):
        raise ValueError(f"digits must be 6 or 8, not {digits!r}")
    if type(period) is not int or not 10 <= period <= 120:
        raise ValueError(f"period must be an integer from 10 to 120 seconds, not {period!r}")
    if not isinstance(algorithm, str) or algorithm.upper() not in DIGESTS:
        raise ValueError(f"algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not {algorithm!r}")
    secret = random_base32()
    totp = TOTP(
        secret,
        digits=digits,
        digest=DIGESTS[algorithm.upper()],
        name=account_name,
        issuer=issuer,
        interval=period,
    )
    return {
        "secret": secret,
        "uri": totp.provisioning_uri(),
        "qr_code": totp.qr().data_uri(),
        "current_code": totp.now(),
    }
