"""Unofficial OTP variants (``pyotp.contrib``)."""

from . import steam
from .steam import Steam

__all__ = ["Steam", "steam"]
