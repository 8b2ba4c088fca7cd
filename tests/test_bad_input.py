"""Bad inputs: the exact exception type and message pyotp 2.12 raises, for pyotp and pyotp_rs alike.

Each row is checked against the installed pyotp too, so the table cannot drift from pyotp.
A message of None means only the type is part of the contract (Python's own argument-parsing
errors, which PyO3 words differently).
"""

import datetime
import hashlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pyotp
import pyotp_rs
import pytest
from parity import outcome, same

S = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
LIMIT = 253402300800

VALUE = "builtins.ValueError"
TYPE = "builtins.TypeError"
BINASCII = "binascii.Error"

DIGITS = "digits must be between 6 and 10"
WEAK = "selected digest function must generate digest size greater than or equals to 18 bytes"
SHORT_MAC = "digest size is lower than 18 bytes, which will trigger error on otp generation"
INTERVAL = "interval must be positive and at most 120 seconds"
TOO_SHORT = "Secrets must be at least 112 bits after decoding"
NEGATIVE = "input must be positive integer"
TIME = "for_time must be at or after the Unix epoch and before year 10000 UTC"
RANDOM = "Secrets should be at least 160 bits"
URI_STRINGS = "All otpauth uri parameters must be strings"


def reassigned(obj: Any, **attributes: Any) -> Any:
    """`obj` with attributes assigned after construction."""
    for name, value in attributes.items():
        setattr(obj, name, value)
    return obj


def uri(query: str, kind: str = "totp", label: str = "u") -> str:
    """An otpauth URI with the given query."""
    return f"otpauth://{kind}/{label}?{query}"


Call = Callable[[ModuleType], Any]
CASES: list[tuple[str, Call, str, str | None]] = [
    # Constructors: digits, digest, interval, in pyotp's order of checks.
    ("digits 5", lambda m: m.TOTP(S, digits=5), VALUE, DIGITS),
    ("digits 11", lambda m: m.HOTP(S, digits=11), VALUE, DIGITS),
    ("digits True", lambda m: m.OTP(S, digits=True), VALUE, DIGITS),
    (
        "digits str",
        lambda m: m.TOTP(S, digits="8"),
        TYPE,
        "'<=' not supported between instances of 'int' and 'str'",
    ),
    (
        "digits float",
        lambda m: m.TOTP(S, digits=6.5).at(0),
        TYPE,
        "slice indices must be integers or None or have an __index__ method",
    ),
    ("md5", lambda m: m.TOTP(S, digest=hashlib.md5), VALUE, WEAK),
    ("shake_128", lambda m: m.HOTP(S, digest=hashlib.shake_128), VALUE, WEAK),
    ("md5 on OTP", lambda m: m.OTP(S, digest=hashlib.md5), VALUE, WEAK),
    ("digest before interval", lambda m: m.TOTP(S, digest=hashlib.md5, interval=0), VALUE, WEAK),
    ("interval before digits", lambda m: m.TOTP(S, digits=1, interval=0), VALUE, INTERVAL),
    ("digits before secret", lambda m: m.TOTP("", digits=1), VALUE, DIGITS),
    ("interval 0", lambda m: m.TOTP(S, interval=0), VALUE, INTERVAL),
    ("interval 121", lambda m: m.TOTP(S, interval=121), VALUE, INTERVAL),
    ("interval -1", lambda m: m.TOTP(S, interval=-1), VALUE, INTERVAL),
    ("interval nan", lambda m: m.TOTP(S, interval=float("nan")), VALUE, INTERVAL),
    ("interval inf", lambda m: m.TOTP(S, interval=float("inf")), VALUE, INTERVAL),
    (
        "interval str",
        lambda m: m.TOTP(S, interval="30"),
        TYPE,
        "'<' not supported between instances of 'int' and 'str'",
    ),
    ("steam interval", lambda m: m.contrib.Steam(S, interval=200), VALUE, INTERVAL),
    (
        "interval 0 assigned",
        lambda m: reassigned(m.TOTP(S), interval=0).at(5),
        "builtins.ZeroDivisionError",
        "division by zero",
    ),
    (
        "interval nan assigned",
        lambda m: reassigned(m.TOTP(S), interval=float("nan")).at(5),
        VALUE,
        "cannot convert float NaN to integer",
    ),
    (
        "interval str assigned",
        lambda m: reassigned(m.TOTP(S), interval="x").now(),
        TYPE,
        "unsupported operand type(s) for /: 'int' and 'str'",
    ),
    # Secrets.
    ("80-bit secret", lambda m: m.TOTP("JBSWY3DPEHPK3PXP"), VALUE, TOO_SHORT),
    ("21 characters", lambda m: m.TOTP("A" * 21), VALUE, TOO_SHORT),
    ("empty secret", lambda m: m.HOTP(""), VALUE, TOO_SHORT),
    ("only padding", lambda m: m.TOTP("========"), BINASCII, "Incorrect padding"),  # the note says otherwise
    ("22 characters", lambda m: m.TOTP("A" * 22), BINASCII, "Incorrect padding"),
    ("25 characters", lambda m: m.TOTP("A" * 25), BINASCII, "Incorrect padding"),
    ("extra padding", lambda m: m.TOTP(S + "="), BINASCII, "Incorrect padding"),
    ("underscore", lambda m: m.TOTP("SOME_SECRET_SOME_SECRET_SOME"), BINASCII, "Non-base32 digit found"),
    ("digit 1", lambda m: m.TOTP(S[:-1] + "1"), BINASCII, "Non-base32 digit found"),
    ("space", lambda m: m.TOTP(S[:16] + " " + S[17:]), BINASCII, "Non-base32 digit found"),
    ("inner padding", lambda m: m.TOTP(S[:8] + "=" + S[9:]), BINASCII, "Non-base32 digit found"),
    ("non-ASCII", lambda m: m.TOTP("É" * 32), VALUE, "string argument should contain only ASCII characters"),
    ("bytes of odd length", lambda m: m.TOTP(S[:30].encode()), TYPE, "can't concat str to bytes"),
    ("int secret", lambda m: m.TOTP(5), TYPE, "object of type 'int' has no len()"),
    ("None secret", lambda m: m.HOTP(None), TYPE, "object of type 'NoneType' has no len()"),
    ("secret assigned", lambda m: reassigned(m.TOTP(S), secret="JBSWY3DPEHPK3PXP").at(0), VALUE, TOO_SHORT),
    (
        "secret assigned bad",
        lambda m: reassigned(m.HOTP(S), secret="!" * 32).at(0),
        BINASCII,
        "Non-base32 digit found",
    ),
    # Counters.
    ("negative counter", lambda m: m.OTP(S).generate_otp(-1), VALUE, NEGATIVE),
    ("negative HOTP.at", lambda m: m.HOTP(S).at(-1), VALUE, NEGATIVE),
    ("negative initial_count", lambda m: m.HOTP(S, initial_count=-5).at(4), VALUE, NEGATIVE),
    ("negative counter_offset", lambda m: m.TOTP(S).at(0, counter_offset=-1), VALUE, NEGATIVE),
    ("window below epoch", lambda m: m.TOTP(S).verify("755224", for_time=0, valid_window=1), VALUE, NEGATIVE),
    ("negative big counter", lambda m: m.OTP(S).generate_otp(-(2**70)), VALUE, NEGATIVE),
    (
        "float counter",
        lambda m: m.OTP(S).generate_otp(1.5),
        TYPE,
        "unsupported operand type(s) for &: 'float' and 'int'",
    ),
    (
        "str counter",
        lambda m: m.OTP(S).generate_otp("1"),
        TYPE,
        "'<' not supported between instances of 'str' and 'int'",
    ),
    (
        "str initial_count",
        lambda m: m.HOTP(S, initial_count="1").at(0),
        TYPE,
        'can only concatenate str (not "int") to str',
    ),
    # Digests that only fail at generation.
    ("md5 by name", lambda m: m.OTP(S, digest="md5").generate_otp(0), VALUE, SHORT_MAC),
    ("md5 assigned", lambda m: reassigned(m.TOTP(S), digest=hashlib.md5).at(0), VALUE, SHORT_MAC),
    (
        "digest by name in URI",
        lambda m: m.TOTP(S, digest="sha256").provisioning_uri(),
        TYPE,
        "'str' object is not callable",
    ),
    # Times.
    ("time -1", lambda m: m.TOTP(S).at(-1), VALUE, TIME),
    ("time -0.1", lambda m: m.TOTP(S).timecode(-0.1), VALUE, TIME),
    ("time limit", lambda m: m.TOTP(S).at(LIMIT), VALUE, TIME),
    ("time huge", lambda m: m.TOTP(S).at(2**80), VALUE, TIME),
    ("time nan", lambda m: m.TOTP(S).at(float("nan")), VALUE, TIME),
    ("time inf", lambda m: m.TOTP(S).verify("755224", for_time=float("inf")), VALUE, TIME),
    ("datetime.min", lambda m: m.TOTP(S).at(datetime.datetime.min), VALUE, TIME),
    (
        "datetime.max west",
        lambda m: m.TOTP(S).at(
            datetime.datetime.max.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=-1)))
        ),
        VALUE,
        TIME,
    ),
    (
        "aware before epoch",
        lambda m: m.TOTP(S).at(datetime.datetime(1969, 12, 31, 23, tzinfo=datetime.timezone.utc)),
        VALUE,
        TIME,
    ),
    (
        "time str",
        lambda m: m.TOTP(S).timecode("59"),
        TYPE,
        "'<=' not supported between instances of 'int' and 'str'",
    ),
    (
        "time date",
        lambda m: m.TOTP(S).at(datetime.date(2020, 1, 1)),
        TYPE,
        "'<=' not supported between instances of 'int' and 'datetime.date'",
    ),
    (
        "time None in at",
        lambda m: m.TOTP(S).at(None),
        TYPE,
        "'<=' not supported between instances of 'int' and 'NoneType'",
    ),
    # Verification.
    (
        "negative window",
        lambda m: m.TOTP(S).verify_and_get_timecode("287082", for_time=59, valid_window=-1),
        VALUE,
        "valid_window cannot be negative",
    ),
    (
        "window before time",
        lambda m: m.TOTP(S).verify_and_get_timecode("1", for_time=-1, valid_window=-1),
        VALUE,
        "valid_window cannot be negative",
    ),
    (
        "mismatch",
        lambda m: m.TOTP(S).verify_and_get_timecode("000000", for_time=59),
        "pyotp.exceptions.OTPVerificationError",
        "OTP verification failed",
    ),
    (
        "float window",
        lambda m: m.TOTP(S).verify("287082", for_time=59, valid_window=1.0),
        TYPE,
        "'float' object cannot be interpreted as an integer",
    ),
    (
        "str window",
        lambda m: m.TOTP(S).verify("287082", for_time=59, valid_window="1"),
        TYPE,
        "bad operand type for unary -: 'str'",
    ),
    (
        "bytes compare",
        lambda m: m.utils.strings_equal(b"1", "1"),
        TYPE,
        "normalize() argument 2 must be str, not bytes",
    ),
    # Random secrets.
    ("random_base32 31", lambda m: m.random_base32(31), VALUE, RANDOM),
    ("random_hex 39", lambda m: m.random_hex(39), VALUE, RANDOM),
    (
        "random_base32 no chars",
        lambda m: m.random_base32(chars=""),
        "builtins.IndexError",
        "Cannot choose from an empty sequence",
    ),
    (
        "random_base32 float",
        lambda m: m.random_base32(32.0),
        TYPE,
        "'float' object cannot be interpreted as an integer",
    ),
    # URIs.
    ("extra int", lambda m: m.TOTP(S).provisioning_uri(name="u", image=123), TYPE, URI_STRINGS),
    ("extra None", lambda m: m.utils.build_uri(S, "u", foo=None), TYPE, URI_STRINGS),
    (
        "image http",
        lambda m: m.TOTP(S).provisioning_uri(image="http://example.com/logo.png"),
        VALUE,
        "ParseResult(scheme='http', netloc='example.com', path='/logo.png', params='', query='', fragment='') is not a valid url",
    ),
    (
        "image no path",
        lambda m: m.HOTP(S).provisioning_uri(image="https://example.com"),
        VALUE,
        "ParseResult(scheme='https', netloc='example.com', path='', params='', query='', fragment='') is not a valid url",
    ),
    ("name None", lambda m: m.utils.build_uri(S, None), TYPE, "quote_from_bytes() expected bytes"),
    ("name int", lambda m: m.utils.build_uri(S, 5), TYPE, "quote_from_bytes() expected bytes"),
    (
        "issuer twice",
        lambda m: m.TOTP(S).provisioning_uri(name="u", issuer="X"),
        TYPE,
        "pyotp.utils.build_uri() got multiple values for keyword argument 'issuer'",
    ),
    (
        "period twice",
        lambda m: m.TOTP(S).provisioning_uri(period="60"),
        TYPE,
        "pyotp.utils.build_uri() got multiple values for keyword argument 'period'",
    ),
    (
        "digits twice",
        lambda m: m.HOTP(S).provisioning_uri(digits="8"),
        TYPE,
        "pyotp.utils.build_uri() got multiple values for keyword argument 'digits'",
    ),
    (
        "secret twice",
        lambda m: m.TOTP(S).provisioning_uri(secret="x"),
        TYPE,
        "build_uri() got multiple values for argument 'secret'",
    ),
    # parse_uri.
    ("http scheme", lambda m: m.parse_uri("http://hello.com"), VALUE, "Not an otpauth URI"),
    ("bytes URI", lambda m: m.parse_uri(uri("secret=" + S).encode()), VALUE, "Not an otpauth URI"),
    ("None URI", lambda m: m.parse_uri(None), VALUE, "Not an otpauth URI"),
    (
        "int URI",
        lambda m: m.parse_uri(5),
        "builtins.AttributeError",
        "'int' object has no attribute 'decode'",
    ),
    (
        "non-ASCII bytes URI",
        lambda m: m.parse_uri(b"\xff"),
        "builtins.UnicodeDecodeError",
        "'ascii' codec can't decode byte 0xff in position 0: ordinal not in range(128)",
    ),
    (
        "duplicate secret",
        lambda m: m.parse_uri(uri(f"secret={S}&secret={S}")),
        VALUE,
        "Duplicate secret parameter",
    ),
    (
        "duplicate blank",
        lambda m: m.parse_uri(uri(f"secret=&%73ecret={S}")),
        VALUE,
        "Duplicate secret parameter",
    ),
    (
        "duplicate period",
        lambda m: m.parse_uri(uri(f"secret={S}&period=30&period=")),
        VALUE,
        "Duplicate period parameter",
    ),
    (
        "issuer mismatch",
        lambda m: m.parse_uri(uri(f"secret={S}&issuer=ACME", label="acme:alice")),
        VALUE,
        "If issuer is specified in both label and parameters, it should be equal.",
    ),
    (
        "issuer plus",
        lambda m: m.parse_uri(uri(f"secret={S}&issuer=Example+Co", label="Example+Co:alice")),
        VALUE,
        "If issuer is specified in both label and parameters, it should be equal.",
    ),
    (
        "algorithm case",
        lambda m: m.parse_uri(uri(f"secret={S}&algorithm=sha256")),
        VALUE,
        "Invalid value for algorithm, must be SHA1, SHA256 or SHA512",
    ),
    (
        "algorithm MD5",
        lambda m: m.parse_uri(uri(f"secret={S}&algorithm=MD5")),
        VALUE,
        "Invalid value for algorithm, must be SHA1, SHA256 or SHA512",
    ),
    ("digits 9", lambda m: m.parse_uri(uri(f"secret={S}&digits=9")), VALUE, "Digits may only be 6, 7, or 8"),
    (
        "digits before secret",
        lambda m: m.parse_uri("otpauth://totp?digits=-1"),
        VALUE,
        "Digits may only be 6, 7, or 8",
    ),
    (
        "digits float",
        lambda m: m.parse_uri(uri(f"secret={S}&digits=8.0")),
        VALUE,
        "invalid literal for int() with base 10: '8.0'",
    ),
    (
        "period word",
        lambda m: m.parse_uri(uri(f"secret={S}&period=abc")),
        VALUE,
        "invalid literal for int() with base 10: 'abc'",
    ),
    (
        "counter word",
        lambda m: m.parse_uri(uri(f"secret={S}&counter=x", kind="hotp")),
        VALUE,
        "invalid literal for int() with base 10: 'x'",
    ),
    ("period 121", lambda m: m.parse_uri(uri(f"secret={S}&period=121")), VALUE, INTERVAL),
    ("no secret", lambda m: m.parse_uri("otpauth://totp"), VALUE, "No secret found in URI"),
    ("blank secret", lambda m: m.parse_uri(uri("secret=")), VALUE, "No secret found in URI"),
    ("type case", lambda m: m.parse_uri(uri(f"secret={S}", kind="TOTP")), VALUE, "Not a supported OTP type"),
    (
        "type port",
        lambda m: m.parse_uri(uri(f"secret={S}", kind="totp:80")),
        VALUE,
        "Not a supported OTP type",
    ),
    (
        "type before secret",
        lambda m: m.parse_uri("otpauth://derp?secret=foo"),
        VALUE,
        "Not a supported OTP type",
    ),
    (
        "hotp period",
        lambda m: m.parse_uri(uri(f"secret={S}&period=60", kind="hotp")),
        TYPE,
        "HOTP.__init__() got an unexpected keyword argument 'interval'",
    ),
    (
        "totp counter",
        lambda m: m.parse_uri(uri(f"secret={S}&counter=5")),
        TYPE,
        "TOTP.__init__() got an unexpected keyword argument 'initial_count'",
    ),
    (
        "steam algorithm",
        lambda m: m.parse_uri(uri(f"secret={S}&encoder=steam&algorithm=SHA1")),
        TYPE,
        "Steam.__init__() got an unexpected keyword argument 'digest'",
    ),
    (
        "steam counter",
        lambda m: m.parse_uri(uri(f"secret={S}&encoder=steam&counter=1")),
        TYPE,
        "Steam.__init__() got an unexpected keyword argument 'initial_count'",
    ),
    (
        "steam own URI",
        lambda m: m.parse_uri(m.contrib.Steam(S).provisioning_uri()),
        VALUE,
        "Digits may only be 6, 7, or 8",
    ),
    ("URI short secret", lambda m: m.parse_uri(uri("secret=JBSWY3DPEHPK3PXP")), VALUE, TOO_SHORT),
    ("URI bad secret", lambda m: m.parse_uri(uri("secret=SOME_SECRET")), BINASCII, "Non-base32 digit found"),
    ("URI padded secret", lambda m: m.parse_uri(uri(f"secret={S}%3D")), BINASCII, "Incorrect padding"),
    # Python's argument checks (keyword-only parameters, unknown keywords): type only.
    ("positional digits", lambda m: m.TOTP(S, 8), TYPE, None),
    ("positional for_time", lambda m: m.TOTP(S).verify("287082", 59), TYPE, None),
    ("positional counter_offset", lambda m: m.TOTP(S).at(59, 1), TYPE, None),
    ("positional name", lambda m: m.HOTP(S).provisioning_uri("u"), TYPE, None),
    ("TOTP positional name", lambda m: m.TOTP(S).provisioning_uri("u", issuer_name="i"), TYPE, None),
    ("positional padding", lambda m: m.OTP.int_to_bytestring(1, 8), TYPE, None),
    ("Steam digest", lambda m: m.contrib.Steam(S, digest=hashlib.sha1), TYPE, None),
    ("unknown keyword", lambda m: m.TOTP(S, initial_count=1), TYPE, None),
]


@pytest.mark.parametrize(
    ("call", "kind", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input(call: Call, kind: str, message: str | None) -> None:
    """pyotp raises exactly this, and so does pyotp_rs."""
    theirs = outcome(lambda: call(pyotp))
    ours = outcome(lambda: call(pyotp_rs))
    assert theirs[:2] == ("error", kind)
    assert ours[:2] == ("error", kind)
    if message is not None:
        assert theirs[2] == message
        assert ours[2] == message.replace("pyotp.utils.build_uri()", "pyotp_rs.utils.build_uri()")


@pytest.mark.parametrize(
    "host",
    ["[totp]", "[bad]", "[::1]", "[totp", "t\u00f6tp", "to\uff0ftp", "totp"],
)
@pytest.mark.parametrize("params", ["", "&encoder=steam"])
def test_hosts_that_urlparse_validates(host: str, params: str) -> None:
    """A host in brackets or with non-ASCII text fails (or not) as in pyotp, whose
    ``urlparse`` checks it first; a Steam URI, whose host is otherwise ignored, too."""
    same(lambda m: m.parse_uri(f"otpauth://{host}/alice?secret={S}{params}"))


def test_errors_are_value_errors_where_pyotp_says_so() -> None:
    """binascii.Error is a ValueError, and OTPVerificationError a PyOTPError, as in pyotp."""
    with pytest.raises(ValueError, match="Non-base32 digit found"):
        pyotp_rs.TOTP("SOME_SECRET_SOME_SECRET_SOME")
    with pytest.raises(pyotp_rs.exceptions.PyOTPError, match="OTP verification failed"):
        pyotp_rs.TOTP(S).verify_and_get_timecode("000000", for_time=59)


def test_deliberate_differences() -> None:
    """Where pyotp_rs differs on purpose: each case shows pyotp's behaviour and ours."""
    # OTP(digest=None): pyotp stores None and fails at generation; pyotp_rs uses SHA1 like HOTP/TOTP.
    assert outcome(lambda: pyotp.OTP(S, digest=None).generate_otp(0))[:2] == ("error", TYPE)
    assert pyotp_rs.OTP(S, digest=None).generate_otp(0) == pyotp.OTP(S).generate_otp(0)
    # int_to_bytestring of a negative number raises instead of looping forever.
    with pytest.raises(ValueError, match=NEGATIVE):
        pyotp_rs.OTP.int_to_bytestring(-1)
    # The standard attributes live in the Rust object, not in the instance __dict__.
    assert vars(pyotp.TOTP(S))["interval"] == 30
    assert "interval" not in vars(pyotp_rs.TOTP(S))
    # A bytearray issuer is written as its bytes in the query, not as "bytearray(b'...')".
    ours = pyotp_rs.TOTP(S, issuer=bytearray(b"I")).provisioning_uri()
    assert ours.endswith("&issuer=I")
    assert (
        pyotp.TOTP(S, issuer=bytearray(b"I")).provisioning_uri().endswith("&issuer=bytearray%28b%27I%27%29")
    )
