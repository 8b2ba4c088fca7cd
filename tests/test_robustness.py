"""Hostile input that used to abort, panic or hang: huge sizes, digests shorter than the
truncation reads, windows too wide to check, lone surrogates. Each gets pyotp's exception type
(or its result), checked against the real pyotp where pyotp finishes."""

from __future__ import annotations

import hashlib
from typing import Any

import pyotp_rs
import pytest
from parity import same

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def blake18(*args: Any) -> Any:
    """An 18-byte digest: enough for pyotp's size check, one byte short for offset 15."""
    return hashlib.blake2b(*args, digest_size=18)


class Truncated:
    """A hash object whose `digest()` is shorter than its `digest_size` claims."""

    digest_size = 32
    block_size = 64
    name = "truncated"

    def __init__(self, data: bytes = b"") -> None:
        self._inner = hashlib.sha256(data)

    def update(self, data: bytes) -> None:
        self._inner.update(data)

    def copy(self) -> Truncated:
        other = Truncated()
        other._inner = self._inner.copy()
        return other

    def digest(self) -> bytes:
        return self._inner.digest()[:6]


@pytest.mark.parametrize("digest", [blake18, Truncated], ids=["18-byte", "short-digest"])
def test_a_digest_too_short_for_the_offset_raises_index_error(digest: Any) -> None:
    outcomes = {same(lambda m, c=counter: m.HOTP(SECRET, digest=digest).at(c))[0] for counter in range(64)}
    assert outcomes == {"ok", "error"}  # some counters truncate fine, others index past the end
    with pytest.raises(IndexError, match="bytearray index out of range"):
        for counter in range(64):
            pyotp_rs.HOTP(SECRET, digest=digest).at(counter)


def test_a_padding_that_cannot_be_allocated_raises_memory_error() -> None:
    same(lambda m: m.OTP.int_to_bytestring(1, padding=10**12))
    same(lambda m: m.OTP.int_to_bytestring(1, padding=2**62))
    same(lambda m: m.OTP.int_to_bytestring(2**70, padding=11))


@pytest.mark.parametrize("window", [100_001, 10**9])
def test_windows_too_wide_to_check_are_refused(window: int) -> None:
    totp = pyotp_rs.TOTP(SECRET)
    late = 253_402_300_799  # the last second pyotp accepts: no counter goes below 0
    with pytest.raises(ValueError, match="valid_window must be at most 100000"):
        totp.verify("000000", for_time=late, valid_window=window)
    with pytest.raises(ValueError, match="valid_window must be at most 100000"):
        totp.verify_and_get_timecode("000000", for_time=late, valid_window=window)
    with pytest.raises(ValueError, match="window must span at most 200001 time steps"):
        totp.match("000000", for_time=late, window=window * 30)


def test_the_widest_window_is_still_checked() -> None:
    same(lambda m: m.TOTP(SECRET).verify("000000", for_time=10**9, valid_window=1000))
    late = 253_402_300_799
    code = pyotp_rs.TOTP(SECRET).at(late - 100_000 * 30)
    assert pyotp_rs.TOTP(SECRET).verify(code, for_time=late, valid_window=100_000)


def test_near_the_epoch_a_wide_window_keeps_pyotps_error() -> None:
    # pyotp fails at once on the first negative counter, before any wide loop.
    same(lambda m: m.TOTP(SECRET).verify("000000", for_time=59, valid_window=10**9))
    same(lambda m: m.TOTP(SECRET).verify("000000", for_time=59, valid_window=2**70))


@pytest.mark.parametrize(
    "uri",
    [
        f"otpauth://totp/\ud800?secret={SECRET}",
        f"otpauth://totp/Acme:al\udfffice?secret={SECRET}&issuer=Acme",
        f"otpauth://totp/a?secret={SECRET}&issuer=\udc80x\ud83d",
        f"otpauth://hotp/\ud800:b?secret={SECRET}&counter=3",
        f"otpauth://totp/Steam:\ud800?secret={SECRET}&encoder=steam",
        f"otpauth://totp/a?secret={SECRET}\ud800",
        f"otpauth://totp/a?secret={SECRET}&digits=\ud800",
        f"otpauth://totp/a?secret={SECRET}&period=\ud800",
        f"otpauth://hotp/a?secret={SECRET}&counter=\ud800",
        f"otpauth://totp/a?secret={SECRET}&digits=1\udfff2",
        f"otpauth://totp/\ud800?secret={SECRET}&period=\ud800\udc00x",
        f"otpauth://totp/Acme:\ud83d\ude00?secret={SECRET}&issuer=Acme",
        f"otpauth://totp/\udbff\udfff?secret={SECRET}&issuer=\ud800\udc00",
        f"otpauth://totp/\U0010f800?secret={SECRET}",
        "otpauth://\ud800/a?secret=" + SECRET,
    ],
)
def test_lone_surrogates_parse_as_pyotp_parses_them(uri: str) -> None:
    """Lone surrogates anywhere, digits/period/counter included, where ``int()`` quotes them."""
    same(lambda m: m.parse_uri(uri))


def test_a_secret_with_a_lone_surrogate_is_not_ascii() -> None:
    same(lambda m: m.TOTP(SECRET + "\ud800"))
    same(lambda m: m.HOTP("\udc80" * 32))


_UNDER_A_LIMIT = """
import hashlib
import resource
import pyotp_rs
from pyotp_rs.otp import OTP

SIZE = 2**28  # 256 MiB: the Rust buffer fits under the limit, its copy as a Python object does not
secret = "A" * (SIZE // 5 * 8)  # decodes to SIZE bytes
long_name = "a" * (SIZE // 3 * 2)  # a URI buffer (room for every byte quoted) past the limit
escaped_name = "@" * (SIZE // 3)  # a URI of SIZE bytes: its buffer fits, its str does not
totp = pyotp_rs.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
calls = {
    "random_base32": lambda: pyotp_rs.random_base32(SIZE),
    "random_hex": lambda: pyotp_rs.random_hex(SIZE),
    "int_to_bytestring": lambda: OTP.int_to_bytestring(1, padding=SIZE),
    "byte_secret": lambda: pyotp_rs.TOTP(secret, digest=hashlib.blake2b).byte_secret(),
    "uri_buffer": lambda: totp.provisioning_uri(name=long_name),
    "uri_str": lambda: totp.provisioning_uri(name=escaped_name),
}
_, hard = resource.getrlimit(resource.RLIMIT_AS)
for name, call in calls.items():
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + SIZE + SIZE // 2, hard))
    try:
        call()
    except BaseException as error:  # the bug was a PanicException, a BaseException
        print(name, type(error).__name__)
    else:
        print(name, "ok")
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
"""


def test_a_python_object_that_cannot_be_allocated_raises_memory_error() -> None:
    """Under an address-space limit, a str or bytes CPython cannot allocate raises MemoryError
    (``except Exception`` catches it), never PyO3's ``PanicException``, and a provisioning URI
    whose buffer cannot be allocated raises it too, where Rust would abort the process; each
    case runs in a child."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _UNDER_A_LIMIT], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    outcomes = dict(line.split() for line in result.stdout.splitlines())
    assert outcomes == {
        "random_base32": "MemoryError",
        "random_hex": "MemoryError",
        "int_to_bytestring": "MemoryError",
        "byte_secret": "MemoryError",
        "uri_buffer": "MemoryError",
        "uri_str": "MemoryError",
    }, result.stderr
