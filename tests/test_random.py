"""random_base32 / random_hex: pyotp's contract, uniform output, fresh bytes after fork."""

import base64
import collections
import ctypes
import os

import pyotp
import pyotp_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@given(st.integers(min_value=32, max_value=300))
def test_base32_secrets_have_the_length_and_alphabet_and_work_as_secrets(length: int) -> None:
    secret = pyotp_rs.random_base32(length)
    assert len(secret) == length
    assert set(secret) <= set(BASE32)
    if length % 8 not in (1, 3, 6):
        assert pyotp_rs.TOTP(secret).at(0) == pyotp.TOTP(secret).at(0)


@given(st.integers(min_value=40, max_value=300))
def test_hex_secrets_have_the_length_and_alphabet(length: int) -> None:
    secret = pyotp_rs.random_hex(length)
    assert len(secret) == length
    assert set(secret) <= set("ABCDEF0123456789")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.random_base32(31),
        lambda m: m.random_base32(-1),
        lambda m: m.random_hex(39),
        lambda m: m.random_base32(32, ""),
        lambda m: m.random_base32(32, []),
        lambda m: m.random_base32(32.0),
        lambda m: m.random_base32("32"),
        lambda m: m.random_hex(40.5),
    ],
)
def test_errors_match_pyotp(call) -> None:
    with pytest.raises(Exception) as expected:
        call(pyotp)
    with pytest.raises(type(expected.value)) as got:
        call(pyotp_rs)
    assert str(got.value) == str(expected.value)


def test_custom_alphabets_strings_and_sequences() -> None:
    assert set(pyotp_rs.random_base32(64, "ab")) <= {"a", "b"}
    assert set(pyotp_rs.random_base32(40, "é漢")) <= {"é", "漢"}
    grouped = pyotp_rs.random_base32(32, ["ab", "cd"])
    assert len(grouped) == 64 and set(grouped) <= set("abcd")
    assert set(pyotp_rs.random_base32(32, ("X",))) == {"X"}
    wide = pyotp_rs.random_base32(2000, [chr(0x4E00 + i) for i in range(300)])
    assert len({ord(c) - 0x4E00 for c in wide}) > 256


def test_symbols_are_drawn_uniformly() -> None:
    counts = collections.Counter("".join(pyotp_rs.random_base32(3200) for _ in range(10)))
    assert set(counts) == set(BASE32)
    expected = 32000 / 32
    chi_square = sum((n - expected) ** 2 / expected for n in counts.values())
    assert chi_square < 80, counts  # 31 degrees of freedom: p < 1e-6 for a fair source


def test_secrets_do_not_repeat() -> None:
    assert len({pyotp_rs.random_base32() for _ in range(2000)}) == 2000


def libc_fork() -> int:
    """fork() called straight from C, as an extension module would: no Python fork hooks run."""
    return ctypes.CDLL(None, use_errno=True).fork()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
@pytest.mark.parametrize("fork", [os.fork, libc_fork], ids=["os.fork", "libc.fork"])
def test_a_forked_child_draws_different_bytes_from_its_parent(fork) -> None:
    for _ in range(20):
        pyotp_rs.random_base32()  # the pool now holds buffered bytes
        read_end, write_end = os.pipe()
        pid = fork()
        if pid == 0:
            try:
                os.close(read_end)
                os.write(write_end, pyotp_rs.random_base32(64).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        parent = pyotp_rs.random_base32(64)
        child = os.read(read_end, 64).decode()
        os.close(read_end)
        os.waitpid(pid, 0)
        assert len(child) == 64
        assert child != parent
        assert base64.b32decode(child) != base64.b32decode(parent)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.random_base32(10**12),
        lambda m: m.random_hex(10**11),
        lambda m: m.random_base32(2**62, chars=["A", "B"]),
        lambda m: m.random_base32(2**62, chars="é"),
        lambda m: m.random_base32(2**100),
    ],
    ids=["base32", "hex", "sequence", "non-ascii", "beyond-64-bits"],
)
def test_impossible_lengths_raise_memory_error(call) -> None:
    # pyotp loops `range(length)` times and runs out of memory; the process must survive.
    with pytest.raises(MemoryError):
        call(pyotp_rs)
