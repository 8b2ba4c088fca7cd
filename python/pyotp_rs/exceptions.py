"""Exceptions raised by pyotp_rs, the same classes pyotp 2.12 defines."""


class PyOTPError(Exception):
    """Base class of the errors specific to one-time passwords."""


class OTPVerificationError(PyOTPError):
    """A code did not verify (raised by ``TOTP.verify_and_get_timecode``)."""
