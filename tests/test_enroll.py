"""``pyotp_rs.enroll``: a new secret, its URI, QR code and current code, checked against pyotp."""

from __future__ import annotations

import base64
import hashlib

import pyotp
import pyotp_rs
import pytest
from freezegun import freeze_time
from qrdecode import decode, open_png

DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


@pytest.mark.parametrize("algorithm", DIGESTS)
@pytest.mark.parametrize(("digits", "period"), [(6, 30), (8, 10), (6, 120), (8, 45)])
def test_enrolment_matches_pyotp(algorithm: str, digits: int, period: int) -> None:
    with freeze_time("2026-03-14 15:09:26"):
        result = pyotp_rs.enroll(
            "Example Co", "alice@example.com", digits=digits, period=period, algorithm=algorithm
        )
        reference = pyotp.TOTP(
            result["secret"],
            digits=digits,
            digest=DIGESTS[algorithm],
            name="alice@example.com",
            issuer="Example Co",
            interval=period,
        )
        assert result["current_code"] == reference.now()
    assert sorted(result) == ["current_code", "qr_code", "secret", "uri"]
    assert len(result["secret"]) == 32
    assert len(base64.b32decode(result["secret"])) == 20
    assert result["uri"] == reference.provisioning_uri()
    parsed = pyotp.parse_uri(result["uri"])
    assert (parsed.secret, parsed.digits, parsed.interval) == (result["secret"], digits, period)
    assert parsed.digest().name == DIGESTS[algorithm]().name
    prefix = "data:image/png;base64,"
    assert result["qr_code"].startswith(prefix)
    png = base64.b64decode(result["qr_code"].removeprefix(prefix), validate=True)
    assert decode(open_png(png)) == result["uri"]


@pytest.mark.parametrize("algorithm", ["sha256", "Sha512", "sha1"])
def test_algorithm_names_in_any_case(algorithm: str) -> None:
    """``enroll`` takes hash names in any case, as the command line does."""
    result = pyotp_rs.enroll("Example", "alice", algorithm=algorithm)
    assert pyotp.parse_uri(result["uri"]).digest().name == DIGESTS[algorithm.upper()]().name


def test_defaults_are_six_digits_thirty_seconds_sha1() -> None:
    result = pyotp_rs.enroll("Example", "bob")
    parsed = pyotp.parse_uri(result["uri"])
    assert (parsed.digits, parsed.interval, parsed.digest().name) == (6, 30, "sha1")
    assert parsed.verify(result["current_code"], valid_window=1)


def test_unicode_labels_round_trip() -> None:
    result = pyotp_rs.enroll("Exämple 公司", "Zoë Ünïcødé")
    parsed = pyotp.parse_uri(result["uri"])
    assert (parsed.issuer, parsed.name) == ("Exämple 公司", "Zoë Ünïcødé")
    png = base64.b64decode(result["qr_code"].removeprefix("data:image/png;base64,"))
    assert decode(open_png(png)) == result["uri"]


def test_every_enrolment_has_a_new_secret() -> None:
    secrets = {pyotp_rs.enroll("Example", "carol")["secret"] for _ in range(50)}
    assert len(secrets) == 50


BAD = [
    ({"digits": 7}, "digits must be 6 or 8, not 7"),
    ({"digits": 10}, "digits must be 6 or 8, not 10"),
    ({"digits": "6"}, "digits must be 6 or 8, not '6'"),
    ({"digits": 6.0}, "digits must be 6 or 8, not 6.0"),
    ({"digits": True}, "digits must be 6 or 8, not True"),
    ({"digits": None}, "digits must be 6 or 8, not None"),
    ({"period": 9}, "period must be an integer from 10 to 120 seconds, not 9"),
    ({"period": 121}, "period must be an integer from 10 to 120 seconds, not 121"),
    ({"period": 0}, "period must be an integer from 10 to 120 seconds, not 0"),
    ({"period": 30.0}, "period must be an integer from 10 to 120 seconds, not 30.0"),
    ({"period": "30"}, "period must be an integer from 10 to 120 seconds, not '30'"),
    ({"algorithm": "MD5"}, "algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not 'MD5'"),
    ({"algorithm": "SHA-256"}, "algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not 'SHA-256'"),
    ({"algorithm": "sha1 "}, "algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not 'sha1 '"),
    (
        {"algorithm": hashlib.sha256},
        "algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not <built-in function",
    ),
    ({"algorithm": None}, "algorithm must be 'SHA1', 'SHA256' or 'SHA512' (any case), not None"),
    ({"issuer": ""}, "issuer must not be empty"),
    ({"issuer": "   "}, "issuer must not be empty"),
    ({"issuer": None}, "issuer must be a str, not NoneType"),
    ({"issuer": b"Example"}, "issuer must be a str, not bytes"),
    ({"issuer": "Ex:ample"}, "issuer must not contain ':'"),
    ({"account_name": ""}, "account_name must not be empty"),
    ({"account_name": 42}, "account_name must be a str, not int"),
    ({"account_name": "a:b"}, "account_name must not contain ':'"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[repr(c) for c, _ in BAD])
def test_bad_arguments_raise_value_error(change: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"issuer": "Example", "account_name": "alice", **change}
    with pytest.raises(ValueError) as raised:
        pyotp_rs.enroll(**arguments)  # type: ignore[arg-type]
    assert str(raised.value).startswith(message)
