"""URI building and timing-safe comparison (``pyotp.utils``)."""

import unicodedata
from hmac import compare_digest

from ._pyotp_rs import build_uri

__all__ = ["build_uri", "compare_digest", "strings_equal"]

_MAX_COMPARISON_LENGTH = 1024


def strings_equal(s1: str, s2: str) -> bool:
    """Timing-attack resistant comparison of two codes, after NFKC normalisation.

    Returns False when either string is longer than 1024 code points, without
    normalising it (bounding the work on untrusted input, as pyotp 2.12 does).
    """
    if len(s1) > _MAX_COMPARISON_LENGTH or len(s2) > _MAX_COMPARISON_LENGTH:
        return False
    s1 = unicodedata.normalize("NFKC", s1)
    s2 = unicodedata.normalize("NFKC", s2)
    return compare_digest(s1.encode("utf-8"), s2.encode("utf-8"))
