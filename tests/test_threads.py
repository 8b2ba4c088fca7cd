"""Assigning attributes while other threads take codes: no "Already borrowed", no panic,
and every code is one of pyotp's for a secret the object held."""

import datetime
import hashlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pyotp_rs
import pytest

pytestmark = pytest.mark.slow

SECRETS = ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"]
MOMENT = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)
READERS = 16
ASSIGNMENTS = 100


class SlowLength(str):
    """A secret whose ``__len__`` is Python code (and so lets other threads run)."""

    def __len__(self) -> int:
        return super().__len__()


class Padded:
    """A secret that is not a str: pyotp pads it with ``+= "=" * n`` (Python code) before decoding."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __len__(self) -> int:
        return len(self.text) + 1

    def __add__(self, padding: str) -> str:
        return self.text


@pytest.fixture(autouse=True)
def frequent_switches() -> Iterator[None]:
    """Switch threads as often as CPython allows, so the races show up within the test."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


def race(totp: Any, read: Callable[[Any], object], assign: Callable[[Any, int], None]) -> list[BaseException]:
    """Runs ``read`` in many threads while this thread calls ``assign``; returns every error."""
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                read(totp)
            except BaseException as error:  # noqa: BLE001 - every error is the test's finding
                errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        for i in range(ASSIGNMENTS):
            try:
                assign(totp, i)
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return errors


def expected_codes(digest: Any) -> set[object]:
    """The codes at MOMENT of every secret the test assigns."""
    return {pyotp.TOTP(s, digest=digest).at(MOMENT) for s in SECRETS}


# What readers call, and (given the digest) every result they may see, or None if any.
READS: dict[str, tuple[Callable[[Any], object], Callable[[Any], set[object]] | None]] = {
    "at(datetime)": (lambda t: t.at(MOMENT), expected_codes),
    "verify(non-ASCII)": (lambda t: t.verify("١٢٣٤٥٦", for_time=MOMENT, valid_window=1), lambda d: {False}),
    "now": (lambda t: t.now(), None),
    "provisioning_uri": (
        lambda t: t.provisioning_uri(name="a"),
        lambda d: {pyotp.TOTP(s, digest=d, name="a").provisioning_uri() for s in SECRETS},
    ),
    "byte_secret": (lambda t: t.byte_secret(), lambda d: {pyotp.TOTP(s).byte_secret() for s in SECRETS}),
}


@pytest.mark.parametrize(
    ("case", "digest"),
    [
        ("at(datetime)", hashlib.sha1),
        ("at(datetime)", hashlib.sha3_256),
        ("verify(non-ASCII)", hashlib.sha1),
        ("now", hashlib.sha3_256),
        ("provisioning_uri", hashlib.sha1),
        ("byte_secret", hashlib.sha1),
    ],
)
def test_assigning_secret_while_reading(case: str, digest: Any) -> None:
    """``t.secret = ...`` never fails while 16 threads read, and what they read stays pyotp's."""
    read, possible = READS[case]
    totp = pyotp_rs.TOTP(SECRETS[0], digest=digest)
    seen: set[object] = set()
    errors = race(totp, lambda t: seen.add(read(t)), lambda t, i: setattr(t, "secret", SECRETS[i % 2]))
    assert errors == []
    assert totp.at(MOMENT) == pyotp.TOTP(SECRETS[(ASSIGNMENTS - 1) % 2], digest=digest).at(MOMENT)
    if possible is not None:
        assert seen <= possible(digest)


def test_assigning_digest_and_secret_together() -> None:
    """Two kinds of assignment interleaved with readers: the final code matches the final attributes."""
    totp = pyotp_rs.TOTP(SECRETS[0])
    digests = [hashlib.sha1, hashlib.sha256, hashlib.sha3_256]

    def assign(t: Any, i: int) -> None:
        t.secret = SECRETS[i % 2]
        t.digest = digests[i % 3]

    errors = race(totp, lambda t: t.at(MOMENT), assign)
    assert errors == []
    assert totp.at(MOMENT) == pyotp.TOTP(totp.secret, digest=totp.digest).at(MOMENT)


@pytest.mark.parametrize("make", [SlowLength, Padded], ids=["str subclass", "padded object"])
def test_secrets_whose_decoding_runs_python(make: Any) -> None:
    """A secret whose decoding runs Python code never makes readers fail."""
    totp = pyotp_rs.TOTP(SECRETS[0])
    errors = race(totp, lambda t: t.at(MOMENT), lambda t, i: setattr(t, "secret", make(SECRETS[i % 2])))
    assert errors == []
    assert totp.at(MOMENT) in expected_codes(hashlib.sha1)


def test_hotp_initial_count_and_digits() -> None:
    """The other setters under the same load."""
    hotp = pyotp_rs.HOTP(SECRETS[0])

    def assign(h: Any, i: int) -> None:
        h.initial_count = i
        h.digits = 6 + i % 3

    errors = race(hotp, lambda h: h.verify("123456", 3), assign)
    assert errors == []
    assert hotp.at(0) == pyotp.HOTP(SECRETS[0], digits=hotp.digits, initial_count=hotp.initial_count).at(0)
