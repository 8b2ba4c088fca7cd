"""``pyotp_rs.totp_code``: the code of ``TOTP(s, ...).at(t)`` (or ``.now()``) without the object.

Differential against pyotp 2.12's ``TOTP(s, ...).at(t)``: the same string, or the same exception
type and message, for every kind of secret, digit count, digest, interval and time the parity
tests draw (plain inputs take the native path, the others the object's).
"""

import hashlib
import time
import unittest.mock
from typing import Any

import pyotp
import pyotp_rs
from hypothesis import given, note
from hypothesis import strategies as st
from parity import outcome
from test_pyotp_parity import digests, digits_values, intervals, secrets, times, valid_secrets

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def given_only(**kwargs: object) -> dict[str, Any]:
    """The keyword arguments that were drawn (None stands for "not given")."""
    return {k: v for k, v in kwargs.items() if v is not None}


@given(
    secret=secrets,
    digits=digits_values,
    digest=digests,
    interval=intervals,
    for_time=times.filter(lambda t: t is not None),
)
def test_same_code_or_error_as_pyotp_at(
    secret: object, digits: object, digest: object, interval: object, for_time: object
) -> None:
    kwargs = given_only(digits=digits, digest=digest, interval=interval)
    note(f"for_time={for_time!r} kwargs={kwargs!r}")
    theirs = outcome(lambda: pyotp.TOTP(secret, **kwargs).at(for_time))
    ours = outcome(lambda: pyotp_rs.totp_code(secret, for_time, **kwargs))
    assert ours == theirs


@given(
    secret=valid_secrets,
    for_time=st.integers(0, 2**34),
    digits=st.integers(6, 10),
    digest=st.sampled_from([None, hashlib.sha1, hashlib.sha256, hashlib.sha512]),
    as_bytes=st.booleans(),
)
def test_matches_the_object_on_the_native_path(
    secret: str, for_time: int, digits: int, digest: object, as_bytes: bool
) -> None:
    """Plain inputs (the native path): the object's outcome, str or bytes secret alike."""
    kwargs = given_only(digits=digits, digest=digest)
    given_secret = secret.encode() if as_bytes else secret
    expected = outcome(lambda: pyotp_rs.TOTP(given_secret, **kwargs).at(for_time))
    assert outcome(lambda: pyotp_rs.totp_code(given_secret, for_time, **kwargs)) == expected
    assert pyotp_rs.totp_code(secret, for_time, **kwargs) == pyotp.TOTP(secret, **kwargs).at(for_time)


def test_short_secrets_only_with_the_opt_in() -> None:
    short = "JBSWY3DPEHPK3PXP"  # 80 bits
    theirs = outcome(lambda: pyotp.TOTP(short).at(59))
    assert outcome(lambda: pyotp_rs.totp_code(short, 59)) == theirs
    assert theirs[0] == "error"
    allowed = pyotp_rs.TOTP(short, allow_short_secret=True).at(59)
    assert pyotp_rs.totp_code(short, 59, allow_short_secret=True) == allowed


def test_now_reads_the_patched_clock_like_pyotp() -> None:
    with unittest.mock.patch("time.time", return_value=1_111_111_109.5):
        assert pyotp_rs.totp_code(SECRET) == pyotp.TOTP(SECRET).now()
        assert pyotp_rs.totp_code(SECRET, None, digits=8) == pyotp.TOTP(SECRET, digits=8).now()


def test_now_on_the_native_clock() -> None:
    for _ in range(3):
        step = int(time.time()) // 30
        code = pyotp_rs.totp_code(SECRET)
        if int(time.time()) // 30 == step:
            assert code == pyotp.TOTP(SECRET).at(step * 30)
            return
    raise AssertionError("three calls in a row each straddled a time step")
