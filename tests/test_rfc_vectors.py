"""RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP) test vectors."""

import hashlib

import pyotp_rs
import pytest

DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def test_rfc4226_hotp(rfc_vectors: dict) -> None:
    """HOTP.at, HOTP.verify and OTP.generate_otp give Appendix D's codes for counters 0..9."""
    vectors = rfc_vectors["rfc4226_hotp"]
    secret = vectors["secret_base32"]
    hotp = pyotp_rs.HOTP(secret, digits=vectors["digits"], digest=DIGESTS[vectors["algorithm"]])
    otp = pyotp_rs.OTP(secret, digest=DIGESTS[vectors["algorithm"]])
    assert hotp.byte_secret() == vectors["secret_ascii"].encode()
    assert len(vectors["codes"]) == 10
    for case in vectors["codes"]:
        assert hotp.at(case["counter"]) == case["hotp"]
        assert otp.generate_otp(case["counter"]) == case["hotp"]
        assert hotp.verify(case["hotp"], case["counter"])
        assert not hotp.verify(case["hotp"], case["counter"] + 1)


def test_rfc4226_hotp_with_initial_count(rfc_vectors: dict) -> None:
    """`initial_count` shifts every counter: HOTP(initial_count=k).at(n) is the code for k + n."""
    vectors = rfc_vectors["rfc4226_hotp"]
    hotp = pyotp_rs.HOTP(vectors["secret_base32"], initial_count=3)
    for case in vectors["codes"][3:]:
        assert hotp.at(case["counter"] - 3) == case["hotp"]


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "SHA512"])
def test_rfc6238_totp(rfc_vectors: dict, algorithm: str) -> None:
    """TOTP.at/verify/timecode and OTP.generate_otp give Appendix B's 8-digit codes for each algorithm."""
    vectors = rfc_vectors["rfc6238_totp"]
    assert vectors["t0"] == 0
    secrets = vectors["secrets"][algorithm]
    digest = DIGESTS[algorithm]
    totp = pyotp_rs.TOTP(
        secrets["base32"], digits=vectors["digits"], digest=digest, interval=vectors["period"]
    )
    otp = pyotp_rs.OTP(secrets["base32"], digits=vectors["digits"], digest=digest)
    assert totp.byte_secret() == secrets["ascii"].encode()
    cases = [case for case in vectors["codes"] if case["algorithm"] == algorithm]
    assert len(cases) == 6
    for case in cases:
        assert totp.timecode(case["time"]) == case["counter"]
        assert totp.at(case["time"]) == case["totp"]
        assert totp.at(float(case["time"])) == case["totp"]
        assert otp.generate_otp(case["counter"]) == case["totp"]
        assert totp.verify(case["totp"], for_time=case["time"])
        assert totp.verify_and_get_timecode(case["totp"], for_time=case["time"]) == case["counter"]
        assert not totp.verify(case["totp"], for_time=case["time"] + vectors["period"])
        assert totp.verify(case["totp"], for_time=case["time"] + vectors["period"], valid_window=1)


def test_rfc6238_uri_round_trip(rfc_vectors: dict) -> None:
    """A provisioning URI of each RFC configuration parses back to an object giving the same codes."""
    vectors = rfc_vectors["rfc6238_totp"]
    for algorithm, secrets in vectors["secrets"].items():
        totp = pyotp_rs.TOTP(secrets["base32"], digits=vectors["digits"], digest=DIGESTS[algorithm])
        parsed = pyotp_rs.parse_uri(totp.provisioning_uri(name="rfc"))
        assert isinstance(parsed, pyotp_rs.TOTP)
        assert parsed.digest is DIGESTS[algorithm]
        for case in vectors["codes"]:
            if case["algorithm"] == algorithm:
                assert parsed.at(case["time"]) == case["totp"]
