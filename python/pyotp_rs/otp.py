"""The ``OTP`` base class (``pyotp.otp``)."""

from ._pyotp_rs import OTP

__all__ = ["OTP"]
