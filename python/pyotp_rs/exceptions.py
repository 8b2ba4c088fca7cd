"""Exceptions raised by pyotp_rs, the same classes pyotp 2.12 defines."""


class PyOTPError(Exception):
    """Base class of the errors specific to one-time passwords."""


class OTPVerificationError(PyOTPError):
    """A code did not verify (raised by ``TOTP.verify_and_get_timecode``)."""


class TokenError(PyOTPError, ValueError):
    """A code refused by ``TOTP.match`` (passlib's ``TokenError``); a ``ValueError``."""

    _default_message = "Token not acceptable"

    def __init__(self, msg: str | None = None, *args: object) -> None:
        super().__init__(self._default_message if msg is None else msg, *args)


class MalformedTokenError(TokenError):
    """The code is not made of the expected number of digits."""

    _default_message = "Unrecognized token"


class InvalidTokenError(TokenError):
    """The code is well formed but matches no counter in the window."""

    _default_message = "Token did not match"


class UsedTokenError(TokenError):
    """The code matches the last counter already accepted: a replay.

    ``expire_time`` is when that counter's time step ends and a new code can be used.
    """

    _default_message = "Token has already been used, please wait for another."

    def __init__(self, msg: str | None = None, *args: object, expire_time: int | None = None) -> None:
        super().__init__(msg, *args)
        self.expire_time = expire_time


class DecryptionError(PyOTPError, ValueError):
    """An authenticated stored key did not verify: wrong application secret, or modified data."""


class UnknownTagError(DecryptionError, KeyError):
    """A stored key names an application-secret tag (``enckey.t``) the wallet does not hold.

    The record cannot be opened, as when any other member was edited: a
    :class:`DecryptionError`. It is also the ``KeyError`` passlib raises for it, with the
    same message.
    """
