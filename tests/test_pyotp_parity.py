"""Differential tests against the real pyotp 2.12.0: same inputs, same outputs, same exceptions."""

import base64
import copy
import datetime
import decimal
import hashlib
import importlib
import pickle
import string
import subprocess
import sys
import time
import unittest.mock
from types import ModuleType
from typing import Any
from urllib.parse import quote

import freezegun
import pyotp
import pyotp_rs
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from parity import describe, outcome, same

S = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
BASE32 = string.ascii_uppercase + "234567"
LIMIT = 253402300800

# ---------------------------------------------------------------------------- strategies


def encoded(raw: bytes, lower: bool, pad: bool) -> str:
    """`raw` in base32, optionally lower-cased and with the padding kept or stripped."""
    text = base64.b32encode(raw).decode()
    text = text if pad else text.rstrip("=")
    return text.lower() if lower else text


valid_secrets = st.builds(encoded, st.binary(min_size=14, max_size=40), st.booleans(), st.booleans())
secrets = st.one_of(
    valid_secrets,
    st.text(alphabet=BASE32, max_size=40),
    st.text(alphabet=BASE32 + BASE32.lower() + "=", max_size=40),
    st.text(alphabet=BASE32 + "=018 _!-\n\té", min_size=20, max_size=36),
    st.text(max_size=30),
    st.builds(lambda raw: base64.b32encode(raw), st.binary(min_size=10, max_size=30)),
    st.builds(lambda raw: bytearray(base64.b32encode(raw)), st.binary(min_size=10, max_size=30)),
    st.binary(max_size=40),
    st.sampled_from([None, 0, 12, "", "========", S + "=", S[:-3] + "===", S.lower()]),
)


class NoOffset(datetime.tzinfo):
    """A tzinfo whose utcoffset() is None: pyotp then takes the wall time as UTC."""

    def utcoffset(self, dt: datetime.datetime | None) -> None:
        """No offset known."""


class MyDatetime(datetime.datetime):
    """A datetime subclass (pyotp accepts subclasses)."""


timezones = st.builds(
    datetime.timezone,
    st.timedeltas(
        min_value=datetime.timedelta(hours=-23, minutes=-59), max_value=datetime.timedelta(hours=23)
    ),
)
times = st.one_of(
    st.integers(min_value=-100, max_value=LIMIT + 100),
    st.builds(
        lambda k, step, edge: k * step + edge,
        st.integers(0, 2**31),
        st.sampled_from([30, 60, 7, 120]),
        st.integers(-1, 1),
    ),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1.0, max_value=2e9),
    st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)),
    st.datetimes(timezones=timezones),
    st.datetimes(timezones=st.just(NoOffset())),
    st.builds(
        MyDatetime.fromtimestamp, st.integers(0, 2**34), st.sampled_from([None, datetime.timezone.utc])
    ),
    st.booleans(),
    st.decimals(min_value=-5, max_value=10**12, allow_nan=False),
    st.sampled_from([LIMIT - 1, LIMIT, LIMIT - 0.5, -0.0, -0.1, decimal.Decimal("NaN"), "59", None]),
)


digits_values = st.one_of(
    st.integers(min_value=4, max_value=12),
    st.sampled_from([True, False, 6.0, 8.0, 6.5, "8", None]),
)
# Rejected by the constructors; assigned later, pyotp would compute 10**digits forever.
constructor_digits = st.one_of(digits_values, st.just(2**70))
digests = st.sampled_from(
    [
        None,
        hashlib.sha1,
        hashlib.sha256,
        hashlib.sha512,
        hashlib.sha224,
        hashlib.sha384,
        hashlib.sha3_256,
        hashlib.blake2b,
        hashlib.md5,
        hashlib.shake_128,
        hashlib.shake_256,
        "sha256",
        "sha1",
        "md5",
    ]
)
intervals = st.one_of(
    st.integers(min_value=-2, max_value=125),
    st.floats(min_value=-1, max_value=130),
    st.sampled_from([0, 120, 121, 30.5, True, False, float("nan"), float("inf"), "30", None]),
)
windows = st.one_of(
    st.integers(min_value=-3, max_value=3), st.sampled_from([True, False, 1.0, 0.5, None, "1", 2**65])
)
offsets = st.one_of(st.integers(min_value=-3, max_value=3), st.integers(), st.sampled_from([True, 1.5, "1"]))
label_chars = st.sampled_from(list(" @:/%+?#&=~_.-!*'();$,[]") + ["é", "用", "😀", "\u00a0", "\n"])
labels = st.one_of(
    st.none(),
    st.text(alphabet=st.one_of(label_chars, st.characters(codec="utf-8")), max_size=12),
    st.text(alphabet=string.ascii_letters + " @:", max_size=12),
    st.binary(max_size=8),
)
uri_keys = st.one_of(
    st.sampled_from(["image", "color", "foo", "counter", "encoder", "a b", "ü"]),
    st.sampled_from(["issuer", "algorithm", "digits", "period", "secret", "initial_count", "name"]),
)
uri_values = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            "https://example.com/logo.png",
            "https://example.com",
            "https://example.com/",
            "http://example.com/a.png",
            "https://ex.com/a b?x=1&y=+",
        ]
    ),
    st.sampled_from([1, None, b"x", 2.5]),
)
extra_kwargs = st.dictionaries(uri_keys, uri_values, max_size=3)


def build_totp(module: ModuleType, secret: object, **kwargs: Any) -> Any:
    """`module.TOTP(secret, **kwargs)` with None-valued arguments left out."""
    return module.TOTP(secret, **{k: v for k, v in kwargs.items() if v is not None})


# ---------------------------------------------------------------------------- construction and codes


@given(secret=secrets, digits=constructor_digits, digest=digests, interval=intervals)
def test_totp_construction(secret: object, digits: object, digest: object, interval: object) -> None:
    """The constructor accepts and rejects the same arguments, in the same order of checks."""
    same(lambda m: build_totp(m, secret, digits=digits, digest=digest, interval=interval))


@given(secret=secrets, digits=constructor_digits, digest=digests, count=st.integers(-3, 3))
def test_hotp_and_otp_construction(secret: object, digits: object, digest: object, count: int) -> None:
    """HOTP and the base OTP check their arguments like pyotp."""
    kwargs = {"digits": digits, "digest": digest}
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    same(lambda m: m.HOTP(secret, initial_count=count, **kwargs))
    same(lambda m: m.OTP(secret, **kwargs))
    same(lambda m: m.OTP(secret, **kwargs).generate_otp(count))
    same(lambda m: m.OTP(secret, **kwargs).byte_secret())


@given(
    secret=secrets, digits=digits_values, digest=digests, interval=intervals, for_time=times, offset=offsets
)
def test_totp_at(
    secret: object, digits: object, digest: object, interval: object, for_time: object, offset: object
) -> None:
    """TOTP.at and timecode agree for every kind of time, digest, digit count and offset."""
    note(f"for_time={for_time!r}")
    same(lambda m: build_totp(m, secret, digits=digits, digest=digest, interval=interval).at(for_time))
    same(lambda m: build_totp(m, secret, interval=interval).timecode(for_time))
    same(
        lambda m: build_totp(m, secret, digits=digits, digest=digest, interval=interval).at(
            for_time, counter_offset=offset
        )
    )


@given(secret=valid_secrets, for_time=times, interval=st.sampled_from([30, 60, 1, 120, 30.5, 7]))
def test_totp_steam_at(secret: str, for_time: object, interval: object) -> None:
    """Steam codes and the Steam interval quirk (the interval argument is checked, then ignored)."""
    same(lambda m: m.contrib.Steam(secret, interval=interval).at(for_time))
    same(lambda m: m.contrib.Steam(secret, digits=8, name="n", issuer="Steam").provisioning_uri())


@given(
    secret=valid_secrets,
    digits=st.integers(6, 10),
    digest=st.sampled_from([None, hashlib.sha256, hashlib.sha512, hashlib.sha3_512]),
    count=st.one_of(st.integers(-5, 2**70), st.sampled_from([2**64 - 1, 2**64, 2**128])),
    initial=st.one_of(st.integers(-5, 2**66), st.sampled_from([True, "1", 1.0])),
)
def test_hotp_at(secret: str, digits: int, digest: object, count: int, initial: object) -> None:
    """HOTP.at adds `initial_count` with Python's `+` and encodes counters of any size."""
    same(lambda m: m.HOTP(secret, digits=digits, digest=digest, initial_count=initial).at(count))


@given(
    value=st.one_of(
        st.integers(min_value=-(2**70), max_value=2**140),
        st.booleans(),
        st.floats(allow_nan=True),
        st.text(max_size=4),
        st.sampled_from([None, b"1", decimal.Decimal(3), 2**64, 2**64 - 1, -1, 0]),
    ),
    digits=st.integers(6, 10),
)
def test_generate_otp_inputs(value: object, digits: int) -> None:
    """generate_otp takes big ints (no 64-bit wraparound) and bools; floats and str fail alike."""
    same(lambda m: m.OTP(S, digits=digits, digest=hashlib.sha1).generate_otp(value))
    same(lambda m: m.HOTP(S, digits=digits).generate_otp(value))
    same(lambda m: m.contrib.Steam(S).generate_otp(value))


@given(
    value=st.one_of(
        st.integers(min_value=0, max_value=2**200),
        st.sampled_from([True, False, 0.0, 1.5, "1", "", None, decimal.Decimal(2), b"\x01"]),
    ),
    padding=st.one_of(st.integers(-3, 40), st.sampled_from([True, 8.0])),
)
def test_int_to_bytestring(value: object, padding: object) -> None:
    """OTP.int_to_bytestring is big-endian and left-padded like pyotp's, for any input type."""
    same(lambda m: m.OTP.int_to_bytestring(value, padding=padding))
    same(lambda m: m.OTP.int_to_bytestring(value))


# ---------------------------------------------------------------------------- verification


def code_variants(code: str) -> st.SearchStrategy[object]:
    """Ways of presenting `code` (or something close) to verify()."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code)
    return st.sampled_from(
        [
            code,
            int(code),
            code.encode(),
            None,
            fullwidth,
            " " + code,
            code + "\u200b",
            code[:-1],
            "0" + code,
            "x" * 1025,
            fullwidth * 200,
            float(code),
        ]
    )


@given(
    data=st.data(),
    secret=valid_secrets,
    for_time=st.integers(0, 2**34),
    window=windows,
    shift=st.integers(-3, 3),
)
def test_totp_verify(data: st.DataObject, secret: str, for_time: int, window: object, shift: int) -> None:
    """verify and verify_and_get_timecode accept and reject the same codes, windows and types."""
    code = pyotp.TOTP(secret).at(max(0, for_time + 30 * shift))
    otp = data.draw(code_variants(code))
    kwargs = {} if window is None else {"valid_window": window}
    same(lambda m: m.TOTP(secret).verify(otp, for_time=for_time, **kwargs))
    same(lambda m: m.TOTP(secret).verify_and_get_timecode(otp, for_time=for_time, **kwargs))


@given(for_time=times, window=windows)
def test_totp_verify_times(for_time: object, window: object) -> None:
    """verify with every kind of time, including the epoch quirk (a window reaching below counter 0)."""
    code = pyotp.TOTP(S).at(1) if for_time is None else "755224"
    kwargs = {} if window is None else {"valid_window": window}
    same(lambda m: m.TOTP(S).verify(code, for_time=for_time, **kwargs))
    same(lambda m: m.TOTP(S).verify_and_get_timecode(code, for_time=for_time, **kwargs))


@given(data=st.data(), secret=valid_secrets, counter=st.integers(3, 2**40), initial=st.integers(-3, 3))
def test_hotp_verify(data: st.DataObject, secret: str, counter: int, initial: int) -> None:
    """HOTP.verify compares str(otp) after NFKC; ints lose leading zeros, bytes never match."""
    code = pyotp.HOTP(secret, initial_count=initial).at(counter)
    otp = data.draw(code_variants(code))
    same(lambda m: m.HOTP(secret, initial_count=initial).verify(otp, counter))
    same(lambda m: m.HOTP(secret).verify(otp, counter=counter + 1))


def test_verify_and_get_timecode_errors() -> None:
    """The window check comes before the time conversion; a mismatch raises OTPVerificationError."""
    same(lambda m: m.TOTP(S).verify_and_get_timecode("755224", for_time=-5, valid_window=-1))
    outcome = same(lambda m: m.TOTP(S).verify_and_get_timecode("000000", for_time=59))
    assert outcome[1] == "pyotp.exceptions.OTPVerificationError"
    same(lambda m: m.TOTP(S).verify_and_get_timecode("287082", for_time=59, valid_window=True))
    with pytest.raises(pyotp_rs.PyOTPError):
        pyotp_rs.TOTP(S).verify_and_get_timecode("000000", for_time=59)


# ---------------------------------------------------------------------------- URIs


@given(
    secret=st.one_of(valid_secrets, st.sampled_from(["GEZDGNBVGY3TQOJQGEZDGNBVGY======", S.lower()])),
    name=labels,
    issuer=labels,
    uri_name=labels,
    issuer_name=labels,
    digits=st.sampled_from([6, 7, 8, 10]),
    digest=st.sampled_from(
        [None, hashlib.sha256, hashlib.sha512, hashlib.sha224, hashlib.sha3_256, "sha256"]
    ),
    interval=st.sampled_from([30, 60, 30.5, 30.0, 1, True]),
    extra=extra_kwargs,
)
def test_totp_provisioning_uri(
    secret: str,
    name: object,
    issuer: object,
    uri_name: object,
    issuer_name: object,
    digits: int,
    digest: object,
    interval: object,
    extra: dict[str, object],
) -> None:
    """TOTP URIs are byte-identical, with names, issuers and extra parameters of every kind."""
    kwargs = {k: v for k, v in {"name": uri_name, "issuer_name": issuer_name}.items() if v is not None}
    extra = {k: v for k, v in extra.items() if k not in kwargs}
    same(
        lambda m: build_totp(
            m, secret, digits=digits, digest=digest, interval=interval, name=name, issuer=issuer
        ).provisioning_uri(**kwargs, **extra)
    )


@pytest.mark.parametrize("cls", ["TOTP", "HOTP"])
def test_provisioning_uri_takes_pyotps_parameters(cls: str) -> None:
    """The compiled ``provisioning_uri`` has pyotp's keyword-only parameters, defaults and
    ``**kwargs`` (as ``inspect`` sees them), and binds them alike from keywords and a dict."""
    import inspect

    def parameters(module: ModuleType) -> list[tuple[str, object, object]]:
        signature = inspect.signature(getattr(module, cls).provisioning_uri)
        return [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[1:]]

    assert parameters(pyotp_rs) == parameters(pyotp)
    keywords = {"issuer_name": "I", "name": "n", "a": "1", "counter": "2", "z": "3"}
    same(lambda m: getattr(m, cls)(S).provisioning_uri(**keywords))
    same(lambda m: getattr(m, cls)(S).provisioning_uri(z="3", name=None, b="x"))
    same(lambda m: getattr(m, cls)(S).provisioning_uri(name="a", **{"\ud800": "x"}))


def test_parse_uri_binds_arguments_as_before() -> None:
    """``parse_uri`` is a C function that takes the plain call ``parse_uri(text)`` itself and
    hands every other call to PyO3's binding: pyotp's parameter plus the keyword-only
    ``allow_short_secret`` (as ``inspect`` sees them), the same object from positional,
    keyword and ``**`` calls, and pyotp's TypeErrors for calls pyotp refuses."""
    import inspect

    def parameters(function: Any) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert parameters(pyotp_rs.parse_uri) == [
        *parameters(pyotp.parse_uri),
        ("allow_short_secret", inspect.Parameter.KEYWORD_ONLY, False),
    ]
    uri = f"otpauth://totp/Example%20Co:alice%40example.com?secret={S}&issuer=Example%20Co"
    assert same(lambda m: m.parse_uri(uri))[0] == "ok"
    same(lambda m: m.parse_uri(uri=uri))
    positional, none, keywords = [uri], dict[str, str](), {"uri": uri}
    same(lambda m: m.parse_uri(*positional, **none))
    same(lambda m: m.parse_uri(**keywords))
    for refused in (
        lambda m: m.parse_uri(),
        lambda m: m.parse_uri(uri, uri),
        lambda m: m.parse_uri(uri, uri=uri),
        lambda m: m.parse_uri(uri, digits=6),
    ):
        assert same(refused)[:2] == ("error", "builtins.TypeError")
    short = "otpauth://totp/u?secret=JBSWY3DPEHPK3PXP"
    assert pyotp_rs.parse_uri(short, allow_short_secret=True).secret == "JBSWY3DPEHPK3PXP"
    with pytest.raises(TypeError):
        pyotp_rs.parse_uri(short, allow_short_secret=1)
    with pytest.raises(ValueError, match="at least 112 bits"):
        pyotp_rs.parse_uri(short, allow_short_secret=False)


def test_totp_at_binds_arguments_as_before() -> None:
    """``TOTP.at`` is a C method that takes the plain call ``at(t)`` itself and hands every
    other call to PyO3's binding: pyotp's parameters (as ``inspect`` sees them), the same code
    from positional, keyword and ``**`` calls, and pyotp's TypeErrors for calls it refuses."""
    import inspect

    def parameters(module: ModuleType) -> list[tuple[str, object, object]]:
        signature = inspect.signature(module.TOTP.at)
        return [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[1:]]

    assert parameters(pyotp_rs) == parameters(pyotp)
    t = 1_700_000_000
    assert same(lambda m: m.TOTP(S).at(t))[0] == "ok"
    same(lambda m: m.TOTP(S).at(for_time=t))
    same(lambda m: m.TOTP(S).at(t, counter_offset=-3))
    positional, none, keywords = [t], dict[str, int](), {"for_time": t, "counter_offset": 2}
    same(lambda m: m.TOTP(S).at(**keywords))
    same(lambda m: m.TOTP(S).at(*positional, **none))
    same(lambda m: m.TOTP.at(m.TOTP(S), t))
    for refused in (
        lambda m: m.TOTP(S).at(),
        lambda m: m.TOTP(S).at(t, 1),
        lambda m: m.TOTP(S).at(t, for_time=t),
        lambda m: m.TOTP(S).at(t, digits=6),
        lambda m: m.TOTP.at(),
    ):
        assert same(refused)[:2] == ("error", "builtins.TypeError")
    with pytest.raises(TypeError):
        pyotp_rs.TOTP.at(pyotp_rs.HOTP(S), t)


class _Digits(int):
    """A ``digits`` that codes render through Python's arithmetic."""


def test_totp_at_releases_what_it_reads_at_once() -> None:
    """``TOTP.at``'s C method runs without PyO3's call wrapper, which marks the thread as
    attached: the attributes it reads on its slower paths (an interval that is not a plain
    number, ``digits`` that is not a plain int, a digest hashed through Python) are released
    before it returns, not left in PyO3's pool of deferred releases."""
    interval, digits, digest = decimal.Decimal(30), _Digits(7), hashlib.blake2s
    otp = pyotp_rs.TOTP(S, interval=interval, digits=digits, digest=digest)
    counts = [sys.getrefcount(interval), sys.getrefcount(digits), sys.getrefcount(digest)]
    code = otp.at(1_700_000_000)
    assert [sys.getrefcount(interval), sys.getrefcount(digits), sys.getrefcount(digest)] == counts
    assert code == pyotp.TOTP(S, interval=interval, digits=digits, digest=digest).at(1_700_000_000)


class _Derived(pyotp_rs.TOTP):
    """A subclass whose ``__init__`` takes a keyword of its own."""

    def __init__(self, s: str, *, label: str = "x") -> None:
        super().__init__(s, digits=8)
        self.label = label


def test_totp_called_with_a_secret_alone_is_built_as_before() -> None:
    """``TOTP(s, **keywords)`` is built in one step (the class's vectorcall); every other
    call goes through ``type.__call__``: the same objects and errors as pyotp for each form of call,
    a subclass's own ``__init__``, and a ``__init__`` or ``__new__`` assigned to the class
    afterwards, which then runs."""
    t = 1_700_000_000

    def state(m: ModuleType, *args: Any, **kwargs: Any) -> tuple[object, ...]:
        otp = m.TOTP(*args, **kwargs)
        return (otp.secret, otp.digits, otp.digest, otp.name, otp.issuer, otp.interval, otp.at(t))

    same(lambda m: state(m, S))
    same(lambda m: state(m, s=S))
    same(lambda m: state(m, S, digits=8, interval=60, name="n", issuer="i"))
    same(lambda m: state(m, interval=60.5, s=S, digest=hashlib.sha256, digits="7"))
    same(lambda m: state(m, S, digest=None, name=None, issuer=None, digits=None))
    same(lambda m: state(m, S, digest=hashlib.md5))
    same(lambda m: state(m, S, interval=0))
    positional, none = [S], dict[str, str]()
    same(lambda m: state(m, *positional, **none))
    same(lambda m: state(m, S.lower()))
    same(lambda m: state(m, S.encode()))
    for refused in ("!!", "JBSWY3DP", 123, None, b"x" * 3, S + "="):
        same(lambda m, r=refused: state(m, r))
    for refused_call in (
        lambda m: m.TOTP(),
        lambda m: m.TOTP(S, S),
        lambda m: m.TOTP(S, x=1),
        lambda m: m.TOTP(S, s=S),
        lambda m: m.TOTP(digits=6),
    ):
        assert same(refused_call)[:2] == ("error", "builtins.TypeError")
    short = "JBSWY3DPEHPK3PXP"
    expected = pyotp_rs.totp_code(short, t, allow_short_secret=True)
    assert pyotp_rs.TOTP(short, allow_short_secret=True).at(t) == expected
    assert pyotp_rs.TOTP(allow_short_secret=False, s=S).at(t) == pyotp.TOTP(S).at(t)
    with pytest.raises(TypeError):
        pyotp_rs.TOTP(short, allow_short_secret=1)
    with pytest.raises(ValueError, match="at least 112 bits"):
        pyotp_rs.TOTP(short, allow_short_secret=False)
    derived = _Derived(S, label="y")
    assert (type(derived), derived.label, derived.digits) == (_Derived, "y", 8)
    assert _Derived(S).at(t) == pyotp.TOTP(S, digits=8).at(t)
    # Assigning to the class changes it for the rest of the process: done in a child.
    script = f"""
import pyotp, pyotp_rs
S, t = {S!r}, {t!r}
calls = []
original = pyotp_rs.TOTP.__init__
def init(self, *args, **kwargs):
    calls.append(args)
    original(self, *args, **kwargs)
pyotp_rs.TOTP.__init__ = init
assert pyotp_rs.TOTP(S).at(t) == pyotp.TOTP(S).at(t)
assert calls == [(S,)], calls
pyotp_rs.TOTP.__new__ = lambda cls, *a, **k: "made"
assert pyotp_rs.TOTP(S) == "made"
print("ok")
"""
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert (child.returncode, child.stdout, child.stderr) == (0, "ok\n", "")


def test_provisioning_uris_one_after_another_and_on_several_threads() -> None:
    """URIs are built in a buffer kept per thread: a short URI after a longer one (whose
    buffer is kept, or freed when past the size kept), and URIs built on several threads
    at once, are each pyotp's URI."""
    import concurrent.futures

    names = ["x" * 3000, "a", "/" * 2000, "\u00e9" * 40, "b@c", "y" * 100, "z"]
    issuers = [None, "Acme", "A/B", "\U0001f600" * 3]
    calls = [(name, issuer) for name in names for issuer in issuers]
    for name, issuer in calls:
        same(lambda m, n=name, i=issuer: m.TOTP(S).provisioning_uri(name=n, issuer_name=i))
    expected = [pyotp.TOTP(S).provisioning_uri(name=n, issuer_name=i) for n, i in calls]
    totp = pyotp_rs.TOTP(S)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(20):
            uris = pool.map(lambda c: totp.provisioning_uri(name=c[0], issuer_name=c[1]), calls)
            assert list(uris) == expected


@given(
    secret=valid_secrets,
    name=labels,
    issuer=labels,
    initial=st.one_of(st.none(), st.integers(-3, 2**70), st.sampled_from([True, "7", 0])),
    uri_initial=st.one_of(st.none(), st.integers(-3, 10), st.sampled_from([True, "7", 0])),
    digest=st.sampled_from([None, hashlib.sha256, hashlib.sha512, hashlib.blake2s]),
    extra=extra_kwargs,
)
def test_hotp_provisioning_uri(
    secret: str,
    name: object,
    issuer: object,
    initial: object,
    uri_initial: object,
    digest: object,
    extra: dict,
) -> None:
    """HOTP URIs always carry the counter; an extra `counter` keyword replaces it in place."""
    kwargs = {
        k: v
        for k, v in {"name": name, "issuer_name": issuer, "initial_count": uri_initial}.items()
        if v is not None
    }
    extra = {k: v for k, v in extra.items() if k not in kwargs}
    ctor = {k: v for k, v in {"initial_count": initial, "digest": digest}.items() if v is not None}
    same(lambda m: m.HOTP(secret, **ctor).provisioning_uri(**kwargs, **extra))


@given(
    secret=st.one_of(st.text(max_size=12), st.binary(max_size=6), st.sampled_from([S, None, 5])),
    name=labels,
    initial_count=st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([True, "x", 1.5])),
    issuer=labels,
    algorithm=st.sampled_from([None, "sha1", "SHA1", "sha256", "Sha512", "", b"sha1", 5]),
    digits=st.sampled_from([None, 6, 6.0, 8, "8", "6", True, 0]),
    period=st.sampled_from([None, 30, 30.0, 60, "30", 30.5, False]),
    extra=extra_kwargs,
)
def test_build_uri(
    secret: object,
    name: object,
    initial_count: object,
    issuer: object,
    algorithm: object,
    digits: object,
    period: object,
    extra: dict,
) -> None:
    """utils.build_uri with arguments of every type, positionally and by keyword."""
    extra = {
        k: v for k, v in extra.items() if k not in {"issuer", "digits", "period", "secret", "initial_count"}
    }
    same(lambda m: m.utils.build_uri(secret, name, initial_count, issuer, algorithm, digits, period, **extra))
    same(
        lambda m: m.utils.build_uri(
            secret=secret, name=name, issuer=issuer, algorithm=algorithm, digits=digits, period=period
        )
    )


# ---------------------------------------------------------------------------- parse_uri


def pct(text: str, draw: Any) -> str:
    """`text` with some characters percent-escaped (either case of hex)."""
    escaped = quote(text, safe="")
    choice = draw(st.sampled_from(["raw", "quoted", "lower", "plus"]))
    if choice == "raw":
        return text
    if choice == "lower":
        return escaped.lower() if "%" in escaped else escaped
    if choice == "plus":
        return text.replace(" ", "+")
    return escaped


param_values = {
    "secret": st.one_of(valid_secrets, st.sampled_from(["", "JBSWY3DPEHPK3PXP", "SOME_SECRET", S + "="])),
    "issuer": st.one_of(st.text(alphabet="AB :+", max_size=4), st.just("")),
    "algorithm": st.sampled_from(["SHA1", "SHA256", "SHA512", "sha256", "MD5", ""]),
    "digits": st.sampled_from(["6", "7", "8", "9", "10", "0_8", "+8", " 8 ", "８", "8.0", "x", "", "-1"]),
    "period": st.sampled_from(["30", "60", "120", "121", "0", "-5", "15", "1_5", "", "abc", "30.0"]),
    "counter": st.sampled_from(["0", "5", "-5", "", "x", "1_0"]),
    "encoder": st.sampled_from(["steam", "Steam", ""]),
    "image": st.text(max_size=5),
    "foo": st.text(max_size=5),
}


@st.composite
def otpauth_uris(draw: Any) -> str:
    """otpauth-like URIs: random scheme, type, label, parameters (duplicates, blanks, escapes, case)."""
    scheme = draw(
        st.sampled_from(["otpauth", "otpauth", "otpauth", "OTPAUTH", "http", " otpauth", "otpauth "])
    )
    separator = draw(st.sampled_from(["://", "://", ":", ":/"]))
    kind = draw(st.sampled_from(["totp", "hotp", "totp", "hotp", "TOTP", "foo", "", "totp:80", "user@totp"]))
    issuer = draw(st.one_of(st.none(), st.text(alphabet="AB :%+é", max_size=4)))
    account = draw(st.text(alphabet="ab @:/%+é", max_size=5))
    label = pct(account, draw)
    if issuer is not None:
        label = pct(issuer, draw) + ":" + label
    keys = draw(st.lists(st.sampled_from(sorted(param_values)), max_size=6))
    if draw(st.booleans()):
        keys = ["secret", *keys]
    pairs = []
    for key in keys:
        value = draw(param_values[key])
        shown_key = draw(
            st.sampled_from([key, key, quote(key), "%73ecret" if key == "secret" else key.upper()])
        )
        pairs.append(f"{shown_key}={pct(value, draw)}" if draw(st.integers(0, 9)) else shown_key)
    query = "&".join(pairs)
    uri = f"{scheme}{separator}{kind}/{label}?{query}"
    if draw(st.integers(0, 4)) == 0:
        position = draw(st.integers(0, len(uri)))
        uri = uri[:position] + draw(st.sampled_from(["\n", "\t", " ", "#", "%", ";"])) + uri[position:]
    return uri


@given(uri=otpauth_uris())
def test_parse_uri_random(uri: str) -> None:
    """parse_uri returns the same class and attributes, or raises the same exception and message."""
    same(lambda m: m.parse_uri(uri), exact=True)


@given(uri=st.one_of(st.text(max_size=40), st.binary(max_size=10), st.none(), st.integers()))
def test_parse_uri_junk(uri: object) -> None:
    """parse_uri on arbitrary text and non-str objects."""
    same(lambda m: m.parse_uri(uri), exact=True)


@given(
    secret=valid_secrets,
    name=st.text(max_size=8),
    issuer=st.one_of(st.none(), st.text(max_size=8)),
    digits=st.sampled_from([6, 7, 8]),
    digest=st.sampled_from([None, hashlib.sha256, hashlib.sha512]),
    interval=st.integers(1, 120),
)
def test_provisioning_uri_round_trip(
    secret: str, name: str, issuer: str | None, digits: int, digest: object, interval: int
) -> None:
    """A URI made by provisioning_uri parses back alike in pyotp and pyotp_rs."""
    uri = build_totp(pyotp, secret, digits=digits, digest=digest, interval=interval, name=name, issuer=issuer)
    same(lambda m: m.parse_uri(uri.provisioning_uri()), exact=True)


# ---------------------------------------------------------------------------- objects


def reassign(obj: Any, attribute: str, value: object) -> Any:
    """Sets an attribute and returns the object."""
    setattr(obj, attribute, value)
    return obj


@given(
    attribute=st.sampled_from(["secret", "digest", "digits", "interval", "name", "issuer"]),
    value=st.one_of(
        secrets,
        digests,
        digits_values,
        st.sampled_from([60, 1, 0, 30.5, "x", None, ""]),
    ),
    for_time=st.integers(0, 2**33),
)
def test_totp_attribute_reassignment(attribute: str, value: object, for_time: int) -> None:
    """Assigning an attribute after construction takes effect (and is validated) like in pyotp."""
    # Deliberate difference: a bytearray issuer goes into the query as its bytes, not as its repr.
    assume(not (attribute == "issuer" and isinstance(value, bytearray)))
    same(lambda m: reassign(m.TOTP(S, name="n", issuer="i"), attribute, value).at(for_time))
    same(lambda m: reassign(m.TOTP(S, name="n", issuer="i"), attribute, value).byte_secret())
    same(lambda m: reassign(m.TOTP(S, name="n", issuer="i"), attribute, value).provisioning_uri())
    same(lambda m: reassign(m.TOTP(S), attribute, value).verify("755224", for_time=for_time))
    same(lambda m: getattr(reassign(m.TOTP(S), attribute, value), attribute))


@given(
    attribute=st.sampled_from(["secret", "digest", "digits", "initial_count"]),
    value=st.one_of(secrets, digests, digits_values, st.integers(-3, 3)),
    count=st.integers(0, 100),
)
def test_hotp_attribute_reassignment(attribute: str, value: object, count: int) -> None:
    """HOTP attributes are writable and re-read on every call."""
    same(lambda m: reassign(m.HOTP(S), attribute, value).at(count))
    same(lambda m: reassign(m.HOTP(S), attribute, value).provisioning_uri())


@given(
    attribute=st.sampled_from(["secret", "digest", "digits", "interval"]),
    value=st.one_of(secrets, digests, digits_values, st.sampled_from([60, 1, 0, 30.5, "x"])),
    for_time=st.integers(0, 2**33),
)
def test_steam_attribute_reassignment(attribute: str, value: object, for_time: int) -> None:
    """Steam keeps pyotp's arithmetic when its attributes are assigned (digits included)."""
    same(lambda m: reassign(m.contrib.Steam(S), attribute, value).at(for_time))
    same(lambda m: reassign(m.contrib.Steam(S), attribute, value).verify("C5V56", for_time=for_time))


@given(
    s1=st.one_of(st.text(max_size=8), st.text(alphabet="0123456789０１２⁷ﬀ\u0301e ", max_size=8)),
    s2=st.one_of(st.text(max_size=8), st.text(alphabet="0123456789０１２⁷ﬀ\u0301e ", max_size=8)),
    long=st.sampled_from([0, 1020, 1025]),
)
def test_strings_equal(s1: str, s2: str, long: int) -> None:
    """utils.strings_equal: NFKC, the 1024-code-point cap, type errors."""
    same(lambda m: m.utils.strings_equal(s1, s2))
    same(lambda m: m.utils.strings_equal(s1 * long, s1 * long))
    same(lambda m: m.utils.strings_equal(s1.encode(), s2))


def test_attribute_reassignment_examples() -> None:
    """The documented patterns: new secret, new digest, new digit count."""
    other = pyotp.random_base32()
    same(lambda m: reassign(m.TOTP(S), "secret", other).at(1234567890))
    same(lambda m: reassign(m.TOTP(S), "digest", hashlib.sha256).at(1234567890))
    same(lambda m: reassign(m.TOTP(S), "digits", 8).at(1234567890))
    same(lambda m: reassign(m.TOTP(S), "secret", "JBSWY3DPEHPK3PXP").at(1234567890))
    same(lambda m: reassign(m.TOTP(S), "digest", hashlib.md5).at(1234567890))
    totp = pyotp_rs.TOTP(S)
    totp.secret = other
    assert totp.secret == other
    assert totp.at(59) == pyotp.TOTP(other).at(59)
    totp.custom = 1  # instances take arbitrary attributes, like pyotp's
    assert totp.custom == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.TOTP(S, digits=8, digest=hashlib.sha256, name="n", issuer="i", interval=60),
        lambda m: m.HOTP(S.lower(), digest=hashlib.sha512, initial_count=7, name="n"),
        lambda m: m.OTP(S, digest=hashlib.sha3_256),
        lambda m: m.contrib.Steam(S, name="u"),
    ],
)
def test_pickle_and_deepcopy(make: Any) -> None:
    """Objects survive pickle and deepcopy with their attributes and codes."""
    original = make(pyotp_rs)
    original.extra = "kept"
    for clone in (pickle.loads(pickle.dumps(original)), copy.deepcopy(original), copy.copy(original)):
        assert type(clone) is type(original)
        assert describe(clone) == describe(original) == describe(make(pyotp))
        assert clone.extra == "kept"
        assert clone.generate_otp(5) == original.generate_otp(5) == make(pyotp).generate_otp(5)
    reassigned = reassign(make(pyotp_rs), "secret", "base32secret32323232323232")
    clone = pickle.loads(pickle.dumps(reassigned))
    assert clone.generate_otp(1) == reassign(
        make(pyotp), "secret", "base32secret32323232323232"
    ).generate_otp(1)


# ---------------------------------------------------------------------------- time sources


@pytest.mark.parametrize("frozen", [0, 59, 59.9, 1111111111, 1234567890.5, 2000000000, LIMIT - 1])
def test_time_time_patch(frozen: float) -> None:
    """Patching pyotp_rs.totp.time.time changes now() and verify() without for_time."""
    expected = pyotp.TOTP(S).at(frozen)
    with unittest.mock.patch("pyotp_rs.totp.time.time", return_value=frozen):
        assert pyotp_rs.TOTP(S).now() == expected
        assert pyotp_rs.TOTP(S).verify(expected)
        assert pyotp_rs.TOTP(S).verify_and_get_timecode(expected) == pyotp.TOTP(S).timecode(frozen)
        assert pyotp_rs.contrib.Steam(S).now() == pyotp.contrib.Steam(S).at(frozen)


def test_time_module_patch() -> None:
    """Replacing the module that pyotp_rs.totp binds as ``time`` changes now(), and undoing
    the patch brings back the real clock."""
    fake = ModuleType("fake_time")
    fake.time = lambda: 1111111111  # type: ignore[attr-defined]
    totp = pyotp_rs.TOTP(S)
    with unittest.mock.patch("pyotp_rs.totp.time", fake):
        assert totp.now() == pyotp.TOTP(S).at(1111111111)
    before = time.time()
    code = totp.now()
    assert code in {pyotp.TOTP(S).at(before), pyotp.TOTP(S).at(time.time())}


@pytest.mark.parametrize("frozen", [-1, LIMIT, float("nan"), "x"])
def test_time_time_patch_out_of_range(frozen: object) -> None:
    """A clock outside pyotp's range raises the same error from now() and verify()."""
    for target in ("pyotp.totp.time.time", "pyotp_rs.totp.time.time"):
        unittest.mock.patch(target, return_value=frozen).start()
    try:
        same(lambda m: m.TOTP(S).now())
        same(lambda m: m.TOTP(S).verify("755224"))
    finally:
        unittest.mock.patch.stopall()


@pytest.mark.parametrize(
    "moment",
    [
        "2009-02-13 23:31:30",
        "1970-01-01 00:00:59",
        "2033-05-18 03:33:20",
        datetime.datetime(2026, 3, 29, 1, 30),
    ],
)
def test_freezegun(moment: object) -> None:
    """freezegun's freeze_time changes now() and verify() as it does for pyotp."""
    with freezegun.freeze_time(moment):
        ours = pyotp_rs.TOTP(S).now()
        assert ours == pyotp.TOTP(S).now()
        assert pyotp_rs.TOTP(S).verify(ours)
        assert pyotp_rs.TOTP(S).verify_and_get_timecode(ours) == pyotp.TOTP(S).timecode(
            datetime.datetime.now()
        )
        assert pyotp_rs.TOTP(S).at(datetime.datetime.now()) == ours


@pytest.mark.parametrize("fold", [0, 1])
def test_naive_datetime_in_local_time(fold: int) -> None:
    """Naive datetimes are local time per TZ, honouring fold in a DST rollback, as in pyotp."""
    moment = datetime.datetime(2026, 11, 1, 1, 30, fold=fold)
    with unittest.mock.patch.dict("os.environ", {"TZ": "EST5EDT"}):
        time.tzset()
        try:
            same(lambda m: m.TOTP(S).timecode(moment))
            same(lambda m: m.TOTP(S).at(moment))
            assert (
                pyotp_rs.TOTP(S, interval=60).timecode(moment) == (59783700 if fold == 0 else 59783820) // 2
            )
        finally:
            time.tzset()
    time.tzset()


def test_verify_reads_the_clock_once() -> None:
    """verify() calls time.time once and timecode() once, as pyotp 2.11+ does."""
    with unittest.mock.patch("pyotp_rs.totp.time.time", return_value=59) as clock:
        assert pyotp_rs.TOTP(S).verify("755224", valid_window=1)
        assert clock.call_count == 1


# ---------------------------------------------------------------------------- API surface

PUBLIC_NAMES = {
    "": [
        "OTP",
        "HOTP",
        "TOTP",
        "PyOTPError",
        "OTPVerificationError",
        "random_base32",
        "random_hex",
        "parse_uri",
    ]
    + ["otp", "hotp", "totp", "utils", "compat", "contrib", "exceptions", "random"],
    ".otp": ["OTP"],
    ".hotp": ["HOTP"],
    ".totp": ["TOTP", "_TIMESTAMP_LIMIT", "calendar", "datetime", "time"],
    ".utils": ["build_uri", "strings_equal", "compare_digest", "_MAX_COMPARISON_LENGTH", "unicodedata"],
    ".compat": ["random", "SystemRandom"],
    ".exceptions": ["PyOTPError", "OTPVerificationError"],
    ".contrib": ["Steam", "steam"],
    ".contrib.steam": ["Steam", "STEAM_CHARS", "STEAM_DEFAULT_DIGITS"],
}
# Names pyotp's modules only import for their own use; pyotp_rs does not re-export them.
INCIDENTAL = {
    "": {"Any", "Sequence", "annotations", "hashlib", "parse_qsl", "split", "unquote", "urlparse"},
    ".otp": {"Any", "annotations", "base64", "hashlib", "hmac"},
    ".hotp": {"Any", "OTP", "annotations", "hashlib", "utils"},
    ".totp": {"Any", "OTP", "OTPVerificationError", "annotations", "hashlib", "utils"},
    ".utils": {"annotations", "quote", "urlencode", "urlparse"},
    ".compat": set(),
    ".exceptions": set(),
    ".contrib": set(),
    ".contrib.steam": {"TOTP", "annotations", "hashlib"},
}


@pytest.mark.parametrize("path", sorted(PUBLIC_NAMES))
def test_module_map(path: str) -> None:
    """Every name of every pyotp module exists at the same path in pyotp_rs (incidental imports aside)."""
    theirs = importlib.import_module("pyotp" + path)
    ours = importlib.import_module("pyotp_rs" + path)
    for name in PUBLIC_NAMES[path]:
        assert hasattr(theirs, name), name
        theirs_value, ours_value = getattr(theirs, name), getattr(ours, name)
        assert (
            type(ours_value) is type(theirs_value)
            or callable(ours_value)
            or isinstance(ours_value, ModuleType)
        )
        if isinstance(theirs_value, (int, str)):
            assert ours_value == theirs_value, name
    missing = {name for name in dir(theirs) if not name.startswith("__") and not hasattr(ours, name)}
    assert missing == INCIDENTAL[path]


def test_module_objects() -> None:
    """Shared modules and functions are the very same objects pyotp uses."""
    assert pyotp_rs.utils.compare_digest is pyotp.utils.compare_digest
    assert pyotp_rs.totp.time is pyotp.totp.time
    assert pyotp_rs.utils.unicodedata is pyotp.utils.unicodedata
    assert issubclass(pyotp_rs.OTPVerificationError, pyotp_rs.PyOTPError)
    assert issubclass(pyotp_rs.PyOTPError, Exception)
    assert pyotp_rs.exceptions.OTPVerificationError is pyotp_rs.OTPVerificationError
    assert pyotp_rs.contrib.Steam is pyotp_rs.contrib.steam.Steam
    assert not hasattr(pyotp_rs, "Steam")
    for cls in (pyotp_rs.HOTP, pyotp_rs.TOTP):
        assert issubclass(cls, pyotp_rs.OTP)
    assert issubclass(pyotp_rs.contrib.Steam, pyotp_rs.TOTP)
    assert isinstance(pyotp_rs.compat.random, pyotp.compat.SystemRandom)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.TOTP(S, 8),
        lambda m: m.HOTP(S, 8),
        lambda m: m.OTP(S, 8),
        lambda m: m.contrib.Steam(S, "name"),
        lambda m: m.TOTP(S).at(59, 1),
        lambda m: m.TOTP(S).verify("287082", 59),
        lambda m: m.TOTP(S).verify("287082", 59, 1),
        lambda m: m.TOTP(S).verify_and_get_timecode("287082", 59),
        lambda m: m.TOTP(S).provisioning_uri("name"),
        lambda m: m.HOTP(S).provisioning_uri("name"),
        lambda m: m.OTP.int_to_bytestring(1, 8),
        lambda m: m.TOTP(S, interval=30, foo=1),
        lambda m: m.TOTP(S, initial_count=1),
        lambda m: m.HOTP(S, interval=30),
        lambda m: m.contrib.Steam(S, digest=hashlib.sha1),
        lambda m: m.TOTP(),
        lambda m: m.TOTP(S).at(),
        lambda m: m.HOTP(S).verify("755224"),
        lambda m: m.TOTP(S).timecode(),
        lambda m: m.utils.build_uri(S),
        lambda m: m.utils.build_uri(S, "n", None, None, None, None, None, "extra"),
    ],
)
def test_argument_errors(call: Any) -> None:
    """Positional use of keyword-only parameters and bad keywords raise TypeError, like pyotp."""
    outcome = same(call)
    assert outcome[:2] == ("error", "builtins.TypeError")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.TOTP(S).verify("287082", for_time=59),
        lambda m: m.TOTP(s=S, digits=8).at(for_time=59, counter_offset=1),
        lambda m: m.TOTP(S).timecode(for_time=59),
        lambda m: m.HOTP(S).verify(otp="755224", counter=0),
        lambda m: m.HOTP(S).at(count=3),
        lambda m: m.OTP(S, digest=hashlib.sha1).generate_otp(input=3),
        lambda m: m.OTP.int_to_bytestring(i=3, padding=2),
        lambda m: m.utils.strings_equal(s1="1", s2="1"),
        lambda m: m.random_base32(length=32, chars="A")[:3],
        lambda m: m.random_hex(length=40, chars=["A"])[:3],
        lambda m: m.parse_uri(uri="otpauth://totp/u?secret=" + S),
    ],
)
def test_keyword_names(call: Any) -> None:
    """Parameters have pyotp's names, so keyword callers keep working."""
    assert same(call)[0] == "ok"


# ---------------------------------------------------------------------------- Python subclasses


def subclass_outcomes(module: ModuleType) -> dict[str, Any]:
    """What typical pyotp subclasses observe: an __init__ override and overridden internals."""

    class FixedDigits(module.TOTP):
        def __init__(self, s: str) -> None:
            super().__init__(s, digits=8, interval=60)

    class Prefixed(module.TOTP):
        def generate_otp(self, input: int) -> str:
            return "X" + super().generate_otp(input)

    class Frozen(module.TOTP):
        def timecode(self, for_time: object) -> int:
            return 1

    class KeyFromVault(module.OTP):
        def byte_secret(self) -> bytes:
            return b"12345678901234567890"

    class Shifted(module.HOTP):
        def at(self, count: int) -> str:
            return super().at(count + 1)

    code_59 = pyotp.TOTP(S).at(59)
    return {
        "init": outcome(lambda: FixedDigits(S).at(0)),
        "generate_otp": outcome(lambda: Prefixed(S).at(0)),
        "timecode": outcome(lambda: Frozen(S).at(12345)),
        "byte_secret": outcome(lambda: KeyFromVault("A" * 32, digest=hashlib.sha1).generate_otp(0)),
        "verify": outcome(lambda: Prefixed(S).verify("X" + code_59, for_time=59, valid_window=1)),
        "verify_and_get_timecode": outcome(
            lambda: Prefixed(S).verify_and_get_timecode("X" + code_59, for_time=89, valid_window=1)
        ),
        "now": outcome(lambda: Frozen(S).now()),
        "hotp_verify": outcome(lambda: Shifted(S).verify(pyotp.HOTP(S).at(4), 3)),
    }


@pytest.mark.parametrize(
    "case",
    [
        "init",
        "generate_otp",
        "timecode",
        "byte_secret",
        "verify",
        "verify_and_get_timecode",
        "now",
        "hotp_verify",
    ],
)
def test_subclass_overrides(case: str) -> None:
    """Subclasses that override __init__ or the methods pyotp calls internally behave like pyotp's."""
    assert subclass_outcomes(pyotp_rs)[case] == subclass_outcomes(pyotp)[case]


def test_subclass_without_overrides() -> None:
    """Plain subclasses (extra methods, no overrides) work like pyotp's."""
    for module in (pyotp, pyotp_rs):

        class WithHelper(module.TOTP):
            def code_for_login(self) -> str:
                return self.at(1234567890)

        assert WithHelper(S, digits=8).code_for_login() == pyotp.TOTP(S, digits=8).at(1234567890)


def test_public_namespace_is_pyotps_names_and_our_own():
    """Modules imported for internal use (os, hashlib ...) do not leak into ``pyotp_rs``."""
    public = {name for name in dir(pyotp_rs) if not name.startswith("_")}
    own_modules = {
        name
        for name in public
        if isinstance(getattr(pyotp_rs, name), ModuleType)
        and getattr(pyotp_rs, name).__name__ == f"pyotp_rs.{name}"
    }
    assert public - own_modules <= set(pyotp_rs.__all__)
    assert not {"os", "hashlib", "sys", "typing"} & public
