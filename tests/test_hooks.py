"""Differential tests against pyotp 2.12.0 for the methods pyotp calls on ``self``.

pyotp's methods call ``self.timecode``, ``self.generate_otp``, ``self.byte_secret`` and ``self.at``.
A test that patches one of them on an instance, or a subclass that overrides one, sees those
calls: here both libraries get the same patch, and the results and the recorded calls must match.
"""

import base64
import hashlib
import unittest.mock
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pyotp
import pyotp_rs
import pytest
from parity import outcome

S = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
LEGACY = "JBSWY3DPEHPK3PXP"
FROZEN = 1234567890.5


def code_at(for_time: float) -> str:
    """pyotp's code for ``S`` at ``for_time``."""
    return pyotp.TOTP(S).at(for_time)


def steam(module: ModuleType) -> Any:
    """A Steam object of ``module``."""
    return module.contrib.Steam(S)


# (label, constructor, method call): every pyotp method that calls a hook on ``self``.
CALLS: list[tuple[str, Callable[[ModuleType], Any], Callable[[Any], Any]]] = [
    ("TOTP.at", lambda m: m.TOTP(S), lambda o: o.at(200.5)),
    ("TOTP.at offset", lambda m: m.TOTP(S), lambda o: o.at(200, counter_offset=2)),
    ("TOTP.now", lambda m: m.TOTP(S), lambda o: o.now()),
    ("TOTP.verify", lambda m: m.TOTP(S), lambda o: o.verify(code_at(200.5), for_time=200.5)),
    (
        "TOTP.verify window",
        lambda m: m.TOTP(S),
        lambda o: o.verify(code_at(170), for_time=200.5, valid_window=2),
    ),
    ("TOTP.verify wrong", lambda m: m.TOTP(S), lambda o: o.verify("000000", for_time=200.5, valid_window=1)),
    ("TOTP.verify now", lambda m: m.TOTP(S), lambda o: o.verify(code_at(FROZEN))),
    (
        "TOTP.verify_and_get_timecode",
        lambda m: m.TOTP(S),
        lambda o: o.verify_and_get_timecode(code_at(230), for_time=200, valid_window=1),
    ),
    ("TOTP.generate_otp", lambda m: m.TOTP(S, digits=8), lambda o: o.generate_otp(7)),
    ("HOTP.at", lambda m: m.HOTP(S, initial_count=3), lambda o: o.at(4)),
    ("HOTP.verify", lambda m: m.HOTP(S), lambda o: o.verify(pyotp.HOTP(S).at(5), 5)),
    ("HOTP.verify wrong", lambda m: m.HOTP(S), lambda o: o.verify("123456", 5)),
    ("HOTP.generate_otp", lambda m: m.HOTP(S, digest=hashlib.sha256), lambda o: o.generate_otp(9)),
    ("OTP.generate_otp", lambda m: m.OTP(S), lambda o: o.generate_otp(1)),
    ("Steam.at", steam, lambda o: o.at(200)),
    ("Steam.now", steam, lambda o: o.now()),
    ("Steam.verify", steam, lambda o: o.verify(pyotp.contrib.Steam(S).at(200), for_time=200, valid_window=1)),
]
HOOKS = ["timecode", "generate_otp", "byte_secret", "at"]


def run_patched(module: ModuleType, make: Callable[[ModuleType], Any], call: Any, hook: str, how: str) -> Any:
    """``call(obj)`` with ``hook`` patched on the instance; the outcome and the hook's calls."""
    obj = make(module)
    if not hasattr(obj, hook):
        return "no such hook"
    original = getattr(obj, hook)
    options: dict[str, Any] = {
        "wraps": {"wraps": original},
        "fixed": {
            "return_value": {"timecode": 7, "generate_otp": "424242", "at": "424242"}.get(hook, b"x" * 20)
        },
        "raises": {"side_effect": LookupError(f"patched {hook}")},
    }[how]
    with (
        unittest.mock.patch(f"{module.__name__}.totp.time.time", return_value=FROZEN),
        unittest.mock.patch.object(obj, hook, **options) as patched,
    ):
        result = outcome(lambda: call(obj))
    return result, patched.call_args_list


@pytest.mark.parametrize("how", ["wraps", "fixed", "raises"])
@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(("label", "make", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_instance_patches(label: str, make: Any, call: Any, hook: str, how: str) -> None:
    """Each hook patched on an instance is called exactly where and as often as pyotp calls it."""
    ours = run_patched(pyotp_rs, make, call, hook, how)
    theirs = run_patched(pyotp, make, call, hook, how)
    assert ours == theirs


def test_the_issue_example() -> None:
    """pyotp 2.12 normalises the time once per verify: ``self.timecode(for_time)`` once."""
    totp = pyotp_rs.TOTP("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    code = pyotp.TOTP("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").at(200.5)
    with unittest.mock.patch.object(totp, "timecode", wraps=totp.timecode) as tc:
        assert totp.verify(code, for_time=200.5, valid_window=2)
    tc.assert_called_once_with(200.5)


def test_native_again_after_the_patch() -> None:
    """Once the patch is undone (or for other attributes), codes are computed natively again."""
    totp = pyotp_rs.TOTP(S)
    totp.note = "an attribute of the caller's"
    with unittest.mock.patch.object(totp, "generate_otp", return_value="patched"):
        assert totp.at(59) == "patched"
    assert "generate_otp" not in vars(totp)
    assert totp.at(59) == pyotp.TOTP(S).at(59)
    with unittest.mock.patch.object(pyotp_rs.TOTP, "timecode", side_effect=AssertionError("not called")):
        assert totp.at(59) == pyotp.TOTP(S).at(59)


def subclass_outcomes(module: ModuleType) -> dict[str, Any]:
    """What subclasses overriding ``byte_secret`` observe: construction, codes, URIs, the calls."""
    calls: list[str] = []

    class Legacy(module.TOTP):
        def byte_secret(self) -> bytes:
            calls.append(self.secret)
            return base64.b32decode(self.secret.upper() + "=" * (-len(self.secret) % 8))

    class LegacyHotp(module.HOTP):
        def byte_secret(self) -> bytes:
            calls.append("hotp")
            return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8))

    class Vault(module.OTP):
        def byte_secret(self) -> bytes:
            calls.append("vault")
            return b"12345678901234567890"

    class Refusing(module.TOTP):
        def byte_secret(self) -> bytes:
            raise LookupError("no key for " + self.name)

    class NotBytes(module.TOTP):
        def byte_secret(self) -> Any:
            return 12

    legacy = outcome(lambda: Legacy(LEGACY))
    after_init = list(calls)
    return {
        "construct": legacy,
        "calls at construction": after_init,
        "at": outcome(lambda: Legacy(LEGACY.lower()).at(1234567890)),
        "verify": outcome(lambda: Legacy(LEGACY).verify(Legacy(LEGACY).at(59), for_time=59)),
        "uri": outcome(lambda: Legacy(LEGACY, name="a", issuer="b").provisioning_uri()),
        "hotp": outcome(lambda: LegacyHotp(LEGACY, initial_count=2).at(3)),
        "vault": outcome(lambda: Vault("A" * 8, digest=hashlib.sha1).generate_otp(3)),
        "refusing": outcome(lambda: Refusing(S, name="alice")),
        "not bytes": outcome(lambda: NotBytes(S).at(0)),
        "bad secret, good override": outcome(lambda: Legacy("JBSWY3DPEHPK3PX1")),
        "digits checked first": outcome(lambda: Legacy(LEGACY, digits=5)),
        "calls": calls,
    }


@pytest.mark.parametrize(
    "case",
    [
        "construct",
        "calls at construction",
        "at",
        "verify",
        "uri",
        "hotp",
        "vault",
        "refusing",
        "not bytes",
        "bad secret, good override",
        "digits checked first",
        "calls",
    ],
)
def test_subclass_byte_secret_at_construction(case: str) -> None:
    """A subclass's ``byte_secret`` decides at construction and for every code, as in pyotp."""
    ours = subclass_outcomes(pyotp_rs)[case]
    theirs = subclass_outcomes(pyotp)[case]
    if case == "not bytes":
        # hmac.new(12, ...) and PyO3's extraction of 12 both raise TypeError; the wording differs.
        assert ours[:2] == theirs[:2] == ("error", "builtins.TypeError")
        return
    assert ours == theirs


@pytest.mark.parametrize("for_time", [0, 59, 1234567890])
@pytest.mark.parametrize("window", [0, 1, 3, 10**30, 1.5, None])
@pytest.mark.parametrize("code", ["\ud800", "12345\ud800", "١٢٣٤٥٦", 0])
def test_verify_error_order(code: object, window: object, for_time: int) -> None:
    """Codes that cannot be compared raise where pyotp raises: after the time, window and
    counter checks (so near the epoch the window's ValueError comes first)."""
    for method in ("verify", "verify_and_get_timecode"):

        def call(module: ModuleType, method: str = method) -> Any:
            return getattr(module.TOTP(S), method)(code, for_time=for_time, valid_window=window)

        assert outcome(lambda: call(pyotp_rs)) == outcome(lambda: call(pyotp)), method


@pytest.mark.parametrize("interval", [1e-300, 1e-20, 3e-9, 5e-324])
@pytest.mark.parametrize("for_time", [0, 1, 59, 1234567890, 253402300799])
def test_tiny_intervals(interval: float, for_time: int) -> None:
    """A tiny interval gives pyotp's huge timecodes (or its OverflowError for an infinite one),
    given at construction or assigned later."""
    for assign in (False, True):

        def make(module: ModuleType, assign: bool = assign) -> Any:
            if not assign:
                return module.TOTP(S, interval=interval)
            totp = module.TOTP(S)
            totp.interval = interval
            return totp

        for call in (
            lambda o: o.at(for_time),
            lambda o: o.at(for_time, counter_offset=-1),
            lambda o: o.timecode(for_time),
            lambda o: o.verify(o.at(for_time), for_time=for_time, valid_window=1),
            lambda o: o.verify_and_get_timecode(o.at(for_time), for_time=for_time),
        ):
            ours = outcome(lambda call=call: call(make(pyotp_rs)))  # type: ignore[misc]
            assert ours == outcome(lambda call=call: call(make(pyotp)))  # type: ignore[misc]


class LyingInt(int):
    """An int whose every ordering comparison says yes."""

    def __lt__(self, other: object) -> bool:
        return True

    __gt__ = __le__ = __ge__ = __lt__


class RefusingInt(int):
    """An int whose every ordering comparison says no."""

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__


class LongStr(str):
    """A secret whose ``len()`` claims 4 characters more than it holds (pyotp pads by it)."""

    def __len__(self) -> int:
        return super().__len__() + 4


class OtherKeyStr(str):
    """A secret that ``encode``s (which ``b32decode`` calls on unpadded text) to another key."""

    def encode(self, *args: Any, **kwargs: Any) -> bytes:
        return S.encode()


def _described(otp: Any) -> tuple[Any, ...]:
    return (
        otp.at(FROZEN),
        otp.byte_secret(),
        otp.provisioning_uri(name="a"),
        otp.verify(code_at(FROZEN), for_time=FROZEN),
    )


@pytest.mark.parametrize("kind", [LyingInt, RefusingInt])
@pytest.mark.parametrize("value", [0, 6, 8, 30, 200, -5])
@pytest.mark.parametrize("parameter", ["interval", "digits"])
def test_int_subclass_parameters_are_compared_by_python(kind: type, value: int, parameter: str) -> None:
    """pyotp checks ``0 < interval <= 120`` and ``6 <= digits <= 10`` with Python's comparisons,
    which an int subclass overrides: the same object is accepted or refused alike."""
    theirs = outcome(lambda: _described(pyotp.TOTP(S, **{parameter: kind(value)})))
    ours = outcome(lambda: _described(pyotp_rs.TOTP(S, **{parameter: kind(value)})))
    assert ours == theirs


@pytest.mark.parametrize("kind", [LongStr, OtherKeyStr])
@pytest.mark.parametrize("secret", [S, LEGACY, S + "A", "not base32 at all!!!!!!!!!!!!!!!"])
@pytest.mark.parametrize("make", [lambda m, s: m.TOTP(s), lambda m, s: m.HOTP(s, initial_count=3)])
def test_str_subclass_secrets_are_decoded_as_pyotp_decodes_them(kind: type, secret: str, make: Any) -> None:
    """pyotp's ``byte_secret`` calls ``len()``, ``+`` and (inside ``b32decode``) ``encode`` on the
    secret; a str subclass that overrides them gets the same key, or the same error."""
    theirs = outcome(lambda: make(pyotp, kind(secret)).byte_secret())
    ours = outcome(lambda: make(pyotp_rs, kind(secret)).byte_secret())
    assert ours == theirs
    if theirs[0] == "ok":
        assert make(pyotp_rs, kind(secret)).at(7) == make(pyotp, kind(secret)).at(7)


class PowerInt(int):
    """An int whose arithmetic in pyotp's code (``10 ** digits``, ``[-digits:]``) says 8 where it holds 6."""

    def __rpow__(self, other: object) -> int:
        return 10**8

    def __neg__(self) -> int:
        return -8


@pytest.mark.parametrize(
    "make",
    [lambda m: m.TOTP(S, digits=PowerInt(6)), lambda m: m.HOTP(S, digits=PowerInt(6), initial_count=2)],
)
def test_int_subclass_digits_do_pyotps_arithmetic(make: Any) -> None:
    """Codes for an int subclass as ``digits`` come from the arithmetic pyotp does, overrides included."""
    theirs, ours = make(pyotp), make(pyotp_rs)
    assert ours.at(1234567890) == theirs.at(1234567890) and len(theirs.at(1234567890)) == 8
    assert ours.at(7) == theirs.at(7)
    assert ours.provisioning_uri(name="a") == theirs.provisioning_uri(name="a")
