"""Every case recorded from pyotp 2.12.0 in tests/vectors/pyotp-2.12-vectors.json (a copy of
../shared/compat/pyotp-2.12-vectors.json).

Each case is checked against pyotp_rs and, so that a stale vectors file cannot hide a
difference, against the installed pyotp 2.12.0 as well.
"""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pyotp
import pyotp_rs
import pyotp_rs.contrib
import pytest

VECTORS = json.loads((Path(__file__).resolve().parent / "vectors" / "pyotp-2.12-vectors.json").read_text())
S = VECTORS["S"]


def namespace(module: ModuleType) -> dict[str, Any]:
    """Names a recorded call string may use, taken from `module` (pyotp or pyotp_rs)."""
    return {
        "TOTP": module.TOTP,
        "HOTP": module.HOTP,
        "OTP": module.OTP,
        "utils": module.utils,
        "contrib": module.contrib,
        "totp": module.totp,
        "hotp": module.hotp,
        "hashlib": hashlib,
        "S": S,
    }


def outcome(call: Callable[[], Any]) -> dict[str, Any]:
    """A call's result in the vectors file's shape: `{"ok": value}` or `{"error": ..., "message": ...}`."""
    try:
        return {"ok": call()}
    except Exception as error:  # noqa: BLE001 - the exception is the outcome under test
        kind = type(error)
        return {"error": f"{kind.__module__}.{kind.__qualname__}", "message": str(error)}


def call_text(case: dict[str, Any]) -> str:
    """The Python expression of a provisioning_uri case (README cases carry a prefix)."""
    return case["call"].removeprefix("README: ")


def mapped(message: str) -> str:
    """pyotp's message with the one accepted module-path difference applied."""
    return message.replace("pyotp.utils.build_uri()", "pyotp_rs.utils.build_uri()")


@pytest.mark.parametrize("case", VECTORS["provisioning_uri"], ids=call_text)
def test_provisioning_uri(case: dict[str, Any]) -> None:
    """provisioning_uri/build_uri give the recorded URI or the recorded exception."""
    expected = {key: value for key, value in case.items() if key != "call"}
    text = call_text(case)
    assert outcome(lambda: eval(text, namespace(pyotp))) == expected
    ours = outcome(lambda: eval(text, namespace(pyotp_rs)))
    if "takes 1 positional argument" in case.get("message", ""):
        # PyO3 words its argument-parsing errors itself: only the type is part of the contract.
        assert ours["error"] == expected["error"]
        return
    if "message" in expected:
        expected["message"] = mapped(expected["message"])
    assert ours == expected


def describe(obj: Any) -> dict[str, Any]:
    """A parse_uri result in the vectors file's shape (class and attributes)."""
    kind = type(obj)
    described: dict[str, Any] = {"class": f"{kind.__module__}.{kind.__qualname__}"}
    described["interval" if hasattr(obj, "interval") else "initial_count"] = (
        obj.interval if hasattr(obj, "interval") else obj.initial_count
    )
    described["digits"] = obj.digits
    described["digest"] = f"hashlib.{obj.digest.__name__.removeprefix('openssl_')}"
    assert getattr(hashlib, obj.digest.__name__.removeprefix("openssl_")) is obj.digest
    described.update(secret=obj.secret, name=obj.name, issuer=obj.issuer)
    return described


def recorded_class(name: str) -> str:
    """pyotp's class path mapped to the same path under pyotp_rs."""
    return name.replace("pyotp.", "pyotp_rs.", 1)


@pytest.mark.parametrize("case", VECTORS["parse_uri"], ids=lambda case: case["uri"])
def test_parse_uri(case: dict[str, Any]) -> None:
    """parse_uri gives the recorded class and attributes, or the recorded exception type and message."""
    expected = {key: value for key, value in case.items() if key != "uri"}
    theirs = outcome(lambda: describe(pyotp.parse_uri(case["uri"])))
    assert theirs == expected
    ours = outcome(lambda: describe(pyotp_rs.parse_uri(case["uri"])))
    if "ok" in expected:
        expected["ok"] = {**expected["ok"], "class": recorded_class(expected["ok"]["class"])}
    assert ours == expected


def codes(module: ModuleType) -> dict[str, Any]:
    """Each recorded code vector, computed with `module` (pyotp or pyotp_rs)."""
    otp, hotp, totp, steam = module.OTP, module.HOTP, module.TOTP, module.contrib.Steam
    steam1 = steam("FMXNK4QEGKVPULRTADY6JIDK5VHUBGZW")
    steam2 = steam("BASE32SECRET32323232323232")
    offset_totp = totp("ABCDEFGHABCDEFGHABCDEFGH")
    return {
        "HOTP(S).at(n) n=0..9": [hotp(S).at(n) for n in range(10)],
        "OTP(S, digits=d).generate_otp(0) d=6..10": [
            otp(S, digits=d, digest=hashlib.sha1).generate_otp(0) for d in range(6, 11)
        ],
        "HOTP(S, digits=8, digest=sha256).at(0..2)": [
            hotp(S, digits=8, digest=hashlib.sha256).at(n) for n in range(3)
        ],
        "HOTP(S, digits=8, digest=sha512).at(0..2)": [
            hotp(S, digits=8, digest=hashlib.sha512).at(n) for n in range(3)
        ],
        "OTP(S).generate_otp(2**64-1), (2**64)": [
            otp(S, digest=hashlib.sha1).generate_otp(2**64 - 1),
            otp(S, digest=hashlib.sha1).generate_otp(2**64),
        ],
        "TOTP('base32secret32323232323232').at(1234567890)": totp("base32secret32323232323232").at(
            1234567890
        ),
        "HOTP('base32secret32323232323232').at(0,1,1401)": [
            hotp("base32secret32323232323232").at(n) for n in (0, 1, 1401)
        ],
        "TOTP('ABCDEFGHABCDEFGHABCDEFGH').at(200), counter_offset=-1,0,+1": [
            offset_totp.at(200, counter_offset=k) for k in (-1, 0, 1)
        ],
        "TOTP(S).at(59, 59.9, 60, 1111111111, 1234567890, 2000000000)": [
            totp(S).at(t) for t in (59, 59.9, 60, 1111111111, 1234567890, 2000000000)
        ],
        "TOTP(S, interval=120).at(119, 120)": [totp(S, interval=120).at(t) for t in (119, 120)],
        "Steam('FMXNK4QEGKVPULRTADY6JIDK5VHUBGZW').at(0,30,60,90,1662884261)": [
            steam1.at(t) for t in (0, 30, 60, 90, 1662884261)
        ],
        "Steam('BASE32SECRET32323232323232').at(0,30,60,90,1662883100,946681223)": [
            steam2.at(t) for t in (0, 30, 60, 90, 1662883100, 946681223)
        ],
        "TOTP(S).timecode(253402300799.5)": totp(S).timecode(253402300799.5),
    }


def test_codes() -> None:
    """Every recorded code vector, from pyotp and from pyotp_rs."""
    assert codes(pyotp) == VECTORS["codes"]
    assert codes(pyotp_rs) == VECTORS["codes"]
