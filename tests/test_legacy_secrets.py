"""The `allow_short_secret` opt-in for legacy secrets shorter than pyotp 2.12's 112 bits.

Codes are checked against RFC 4226 / RFC 6238 computed here with `hmac` and `hashlib`;
refusals (without the opt-in, and of what the opt-in does not relax) against the real pyotp.
"""

import base64
import copy
import hashlib
import hmac
import pickle
import re
import struct
from pathlib import Path
from typing import Any

import pyotp
import pyotp_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import describe, outcome, same

LEGACY = "JBSWY3DPEHPK3PXP"  # 80 bits: b"Hello!\xde\xad\xbe\xef"
STEAM_CHARS = "23456789BCDFGHJKMNPQRTVWXY"
DIGESTS = [hashlib.sha1, hashlib.sha256, hashlib.sha512]


def hotp_value(key: bytes, counter: int, digest: Any) -> int:
    """RFC 4226 section 5.3: HMAC of the 8-byte counter, dynamically truncated to 31 bits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    return struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF


def hotp_code(key: bytes, counter: int, digits: int = 6, digest: Any = hashlib.sha1) -> str:
    """RFC 4226 HOTP: the truncated value modulo 10**digits, zero-padded."""
    return str(hotp_value(key, counter, digest) % 10**digits).zfill(digits)


def totp_code(key: bytes, for_time: int, digits: int = 6, digest: Any = hashlib.sha1, step: int = 30) -> str:
    """RFC 6238 TOTP with T0 = 0: the HOTP of floor(time / step)."""
    return hotp_code(key, for_time // step, digits, digest)


def steam_code(key: bytes, for_time: int) -> str:
    """Steam Guard: the 10-digit HOTP value of the 30 s step, written in base 26, least digit first."""
    value = hotp_value(key, for_time // 30, hashlib.sha1) % 10**10
    chars = []
    for _ in range(5):
        value, digit = divmod(value, len(STEAM_CHARS))
        chars.append(STEAM_CHARS[digit])
    return "".join(chars)


def b32(key: bytes, pad: bool = False) -> str:
    """`key` in base32, unpadded unless `pad`."""
    text = base64.b32encode(key).decode()
    return text if pad else text.rstrip("=")


short_keys = st.binary(min_size=1, max_size=13)
times = st.integers(min_value=0, max_value=253402300799)


def test_the_legacy_secret_is_80_bits() -> None:
    """The README's example secret decodes to 10 bytes, which pyotp refuses."""
    assert base64.b32decode(LEGACY) == b"Hello!\xde\xad\xbe\xef"
    assert outcome(lambda: pyotp.TOTP(LEGACY)) == (
        "error",
        "builtins.ValueError",
        "Secrets must be at least 112 bits after decoding",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.TOTP(LEGACY),
        lambda m: m.HOTP(LEGACY),
        lambda m: m.OTP(LEGACY),
        lambda m: m.contrib.Steam(LEGACY),
        lambda m: m.TOTP(LEGACY.lower(), digits=8, digest=hashlib.sha256, interval=60),
        lambda m: m.TOTP(base64.b32encode(b"Hello!\xde\xad\xbe\xef")),
        lambda m: m.parse_uri(f"otpauth://totp/a?secret={LEGACY}"),
        lambda m: m.parse_uri(f"otpauth://hotp/a?secret={LEGACY}&counter=3"),
        lambda m: m.parse_uri(f"otpauth://totp/a?secret={LEGACY}&encoder=steam"),
    ],
)
def test_refused_without_the_opt_in_as_pyotp_refuses(call: Any) -> None:
    """The default stays pyotp 2.12's: a short secret raises the same ValueError."""
    assert same(call)[0] == "error"


@given(
    key=short_keys,
    pad=st.booleans(),
    for_time=times,
    digits=st.integers(6, 10),
    digest=st.sampled_from(DIGESTS),
)
def test_totp_codes_are_rfc_6238(key: bytes, pad: bool, for_time: int, digits: int, digest: Any) -> None:
    """With the opt-in, any non-empty key gives RFC 6238's codes through every TOTP method."""
    totp = pyotp_rs.TOTP(b32(key, pad), digits=digits, digest=digest, allow_short_secret=True)
    expected = totp_code(key, for_time, digits, digest)
    assert totp.byte_secret() == key
    assert totp.at(for_time) == expected
    assert totp.verify(expected, for_time=for_time)
    assert totp.verify_and_get_timecode(expected, for_time=for_time) == for_time // 30
    assert totp.generate_otp(for_time // 30) == expected


@given(key=short_keys, counter=st.integers(0, 2**64 - 1), digest=st.sampled_from(DIGESTS))
def test_hotp_codes_are_rfc_4226(key: bytes, counter: int, digest: Any) -> None:
    """HOTP and OTP with the opt-in give RFC 4226's codes."""
    expected = hotp_code(key, counter, 6, digest)
    hotp = pyotp_rs.HOTP(b32(key), digest=digest, allow_short_secret=True)
    assert hotp.at(counter) == expected
    assert hotp.verify(expected, counter)
    assert pyotp_rs.OTP(b32(key), digest=digest, allow_short_secret=True).generate_otp(counter) == expected


@given(key=short_keys, for_time=times)
def test_steam_codes(key: bytes, for_time: int) -> None:
    """Steam with the opt-in gives Steam Guard codes of the short key."""
    assert pyotp_rs.contrib.Steam(b32(key), allow_short_secret=True).at(for_time) == steam_code(key, for_time)


def test_rfc_6238_time_steps_for_the_legacy_secret() -> None:
    """The 80-bit secret at RFC 6238 Appendix B's times, in 8 digits, for each algorithm."""
    key = base64.b32decode(LEGACY)
    for digest in DIGESTS:
        totp = pyotp_rs.TOTP(LEGACY, digits=8, digest=digest, allow_short_secret=True)
        for moment in (59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000):
            assert totp.at(moment) == totp_code(key, moment, 8, digest)


def test_same_codes_as_pyotps_byte_secret_override() -> None:
    """What pyotp users did before the opt-in, a subclass whose byte_secret skips the length
    check, gives the same codes as the opt-in."""

    class Legacy(pyotp.TOTP):
        def byte_secret(self) -> bytes:
            return base64.b32decode(self.secret.upper() + "=" * (-len(self.secret) % 8))

    for moment in (0, 59, 1234567890):
        assert pyotp_rs.TOTP(LEGACY, allow_short_secret=True).at(moment) == Legacy(LEGACY).at(moment)
    uri = pyotp_rs.TOTP(LEGACY, name="a", issuer="Acme", allow_short_secret=True).provisioning_uri()
    assert uri == Legacy(LEGACY, name="a", issuer="Acme").provisioning_uri()


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "A",
        "=",
        "========",
        "AB=C====",
        "JBSWY3DPEHPK3PX1",
        "é",
        "JBSW Y3DP",
        b"ABC",
        12,
        None,
        1.5,
        ["A"],
    ],
)
@pytest.mark.parametrize("make", ["TOTP", "HOTP", "OTP", "Steam"])
def test_what_the_opt_in_does_not_relax(secret: object, make: str) -> None:
    """Bad base32, an empty secret and wrong types raise exactly what pyotp raises, opt-in or not."""

    def build(module: Any, **kwargs: Any) -> Any:
        cls = module.contrib.Steam if make == "Steam" else getattr(module, make)
        return cls(secret, **kwargs)

    expected = outcome(lambda: build(pyotp))
    assert expected[0] == "error"
    assert outcome(lambda: build(pyotp_rs, allow_short_secret=True)) == expected
    assert outcome(lambda: build(pyotp_rs)) == expected


@pytest.mark.parametrize(
    "uri", ["otpauth://totp/a?secret=", "otpauth://totp/a?secret=A", "otpauth://totp/a?secret=1"]
)
def test_parse_uri_refuses_bad_secrets_with_the_opt_in(uri: str) -> None:
    """parse_uri's opt-in relaxes the length only."""
    assert outcome(lambda: pyotp_rs.parse_uri(uri, allow_short_secret=True)) == outcome(
        lambda: pyotp.parse_uri(uri)
    )


def test_keyword_only_and_a_bool() -> None:
    """The opt-in is keyword-only and must be a bool, with Python's argument errors."""
    with pytest.raises(TypeError):
        pyotp_rs.TOTP(LEGACY, True)  # type: ignore[misc]
    with pytest.raises(TypeError):
        pyotp_rs.parse_uri(f"otpauth://totp/a?secret={LEGACY}", True)  # type: ignore[misc]
    with pytest.raises(TypeError):
        pyotp_rs.TOTP(LEGACY, allow_short_secret="yes")  # type: ignore[arg-type]
    assert pyotp_rs.TOTP(pyotp_rs.random_base32()).allow_short_secret is False


@pytest.mark.parametrize(
    "uri",
    [
        f"otpauth://totp/Acme:alice?secret={LEGACY}&issuer=Acme&digits=8&period=60&algorithm=SHA256",
        f"otpauth://hotp/alice?secret={LEGACY}&counter=7",
        f"otpauth://totp/alice?secret={LEGACY}&encoder=steam",
    ],
)
def test_parse_uri_with_the_opt_in(uri: str) -> None:
    """parse_uri builds the same object pyotp would from the URI, keeping the opt-in."""
    parsed = pyotp_rs.parse_uri(uri, allow_short_secret=True)
    assert parsed.allow_short_secret is True
    long_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    theirs = describe(pyotp.parse_uri(uri.replace(LEGACY, long_secret)))
    assert describe(parsed) == (theirs[0], {**theirs[1], "secret": LEGACY})
    key = base64.b32decode(LEGACY)
    if isinstance(parsed, pyotp_rs.contrib.Steam):
        assert parsed.at(1234567890) == steam_code(key, 1234567890)
    elif isinstance(parsed, pyotp_rs.TOTP):
        assert parsed.at(1234567890) == totp_code(key, 1234567890, 8, hashlib.sha256, 60)
    else:
        assert parsed.at(0) == hotp_code(key, 7)


def make_objects() -> list[Any]:
    """One opted-in object of each class."""
    return [
        pyotp_rs.TOTP(LEGACY, digits=8, name="a", issuer="Acme", allow_short_secret=True),
        pyotp_rs.HOTP(LEGACY, initial_count=3, allow_short_secret=True),
        pyotp_rs.OTP(LEGACY, allow_short_secret=True),
        pyotp_rs.contrib.Steam(LEGACY, allow_short_secret=True),
    ]


@pytest.mark.parametrize("index", range(4))
def test_survives_pickle_and_copy(index: int) -> None:
    """pickle, copy and deepcopy keep the opt-in, the attributes and the codes."""
    original = make_objects()[index]
    for clone in (pickle.loads(pickle.dumps(original)), copy.copy(original), copy.deepcopy(original)):
        assert type(clone) is type(original)
        assert clone.allow_short_secret is True
        assert clone.secret == original.secret
        assert clone.generate_otp(9) == original.generate_otp(9)


def test_pickle_keeps_a_default_object_strict() -> None:
    """A clone of an object without the opt-in still refuses a short secret assigned later."""
    clone = pickle.loads(pickle.dumps(pyotp_rs.TOTP(pyotp_rs.random_base32())))
    assert clone.allow_short_secret is False
    clone.secret = LEGACY
    assert outcome(lambda: clone.at(0)) == outcome(lambda: pyotp.TOTP(LEGACY))


@pytest.mark.parametrize("index", range(4))
def test_assigning_a_secret_keeps_the_choice(index: int) -> None:
    """A secret assigned later is judged by the object's choice; the choice can be assigned too."""
    obj = make_objects()[index]
    other = b32(b"\x01\x02\x03\x04\x05")
    obj.secret = other
    assert obj.byte_secret() == b"\x01\x02\x03\x04\x05"
    obj.allow_short_secret = False
    assert outcome(obj.byte_secret) == outcome(lambda: pyotp.OTP(other))
    assert outcome(lambda: obj.generate_otp(0)) == outcome(lambda: pyotp.OTP(other))
    obj.allow_short_secret = True
    obj.generate_otp(0)


def test_strict_objects_raise_pyotps_error_for_an_assigned_short_secret() -> None:
    """Without the opt-in, assigning a short secret raises pyotp's error on the next code."""

    def assign_then_code(module: Any) -> str:
        totp = module.TOTP("A" * 32)
        totp.secret = LEGACY
        return totp.at(0)

    assert same(assign_then_code)[0] == "error"


def test_provisioning_uri_and_qr() -> None:
    """The URI of an opted-in object is pyotp's layout with the short secret; qr() encodes it."""
    totp = pyotp_rs.TOTP(LEGACY, name="alice", issuer="Acme", allow_short_secret=True)
    uri = totp.provisioning_uri()
    assert uri == f"otpauth://totp/Acme:alice?secret={LEGACY}&issuer=Acme"
    assert totp.qr().uri == uri
    hotp = pyotp_rs.HOTP(LEGACY, name="bob", allow_short_secret=True)
    assert hotp.provisioning_uri(initial_count=4) == f"otpauth://hotp/bob?secret={LEGACY}&counter=4"
    assert hotp.qr().uri == hotp.provisioning_uri()
    steam = pyotp_rs.contrib.Steam(LEGACY, name="s", allow_short_secret=True)
    assert steam.qr().uri == steam.provisioning_uri()


def test_to_json_and_from_json() -> None:
    """passlib records of a short key round-trip, plain and encrypted, and keep their codes."""
    totp = pyotp_rs.TOTP(LEGACY, digits=8, name="alice", issuer="Acme", allow_short_secret=True)
    wallet = pyotp_rs.Wallet({"1": "correct horse battery staple"}, encrypt_cost=8)
    records = [totp.to_json(), totp.to_json(wallet), totp.to_json(wallet, format="passlib")]
    for record in records:
        loaded = pyotp_rs.TOTP.from_json(record, wallet, format="passlib")
        assert loaded.allow_short_secret is True
        assert loaded.byte_secret() == base64.b32decode(LEGACY)
        assert loaded.at(1234567890) == totp.at(1234567890)
        assert loaded.to_dict() == totp.to_dict()
    assert pyotp_rs.TOTP.from_dict(totp.to_dict()).at(59) == totp.at(59)
    assert pyotp_rs.TOTP.from_json(pyotp_rs.TOTP("A" * 32).to_json()).allow_short_secret is False


def test_documented_example() -> None:
    """The opt-in's example in docs/migrating.md shows the RFC 6238 code of the 10-byte key (tests/test_docs.py
    runs the session and compares what it prints with what it shows)."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "migrating.md").read_text()
    section = page.split("## Legacy 80-bit secrets", 1)[1]
    session = re.search(r"```pycon\n(.*?)```", section, re.DOTALL)
    assert session is not None
    expected = totp_code(base64.b32decode(LEGACY), 1234567890)
    assert (
        f">>> totp.at(1234567890)                # RFC 6238 code of the 10-byte key\n'{expected}'\n"
        in session[1]
    )
    assert f"('{expected}', True)" in session[1]
