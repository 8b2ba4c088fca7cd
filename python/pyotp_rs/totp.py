"""Time-based one-time passwords (``pyotp.totp``).

``TOTP.now()`` and ``TOTP.verify()`` without ``for_time`` read the clock as
``pyotp_rs.totp.time.time()`` at call time, so tests can freeze time with
``freezegun`` or ``unittest.mock.patch("pyotp_rs.totp.time.time", ...)``.
"""

import calendar
import datetime
import time

from ._pyotp_rs import TOTP

__all__ = ["TOTP", "time"]

_TIMESTAMP_LIMIT = 253402300800
_RANGE_ERROR = "for_time must be at or after the Unix epoch and before year 10000 UTC"


def _seconds(for_time: object) -> int:
    """Whole seconds of a ``for_time`` that is not a plain int or float (pyotp's rules).

    An aware datetime counts in UTC; a naive one is local time (honouring ``fold``);
    any other number is compared and truncated with Python's own operators.
    """
    timestamp: object
    if isinstance(for_time, datetime.datetime):
        try:
            if for_time.tzinfo:
                timestamp = calendar.timegm(for_time.utctimetuple())
            else:
                timestamp = for_time.replace(microsecond=0).timestamp()
        except (OverflowError, OSError, ValueError) as error:
            raise ValueError(_RANGE_ERROR) from error
    else:
        timestamp = for_time
    if not 0 <= timestamp < _TIMESTAMP_LIMIT:  # type: ignore[operator]
        raise ValueError(_RANGE_ERROR)
    return int(timestamp)  # type: ignore[call-overload]
