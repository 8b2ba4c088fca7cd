"""Steam Guard codes (``pyotp.contrib.steam``)."""

from .._pyotp_rs import Steam

__all__ = ["STEAM_CHARS", "STEAM_DEFAULT_DIGITS", "Steam"]

STEAM_CHARS = "23456789BCDFGHJKMNPQRTVWXY"
STEAM_DEFAULT_DIGITS = 5
