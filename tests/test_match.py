"""TOTP.match: replay-safe verification with the semantics of passlib 1.7.4's TOTP.match."""

import base64
import copy
import hashlib
import pickle

import passlib.exc
import passlib.totp
import pyotp
import pyotp_rs
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from pyotp_rs import InvalidTokenError, MalformedTokenError, TokenError, UsedTokenError

K20 = b"12345678901234567890"
S20 = base64.b32encode(K20).decode()
ALGS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def pair(key: bytes = K20, alg: str = "sha1", digits: int = 6, period: int = 30):
    """The same TOTP in pyotp_rs and in passlib."""
    ours = pyotp_rs.TOTP(base64.b32encode(key).decode(), digits=digits, digest=ALGS[alg], interval=period)
    theirs = passlib.totp.TOTP(key=key, format="raw", alg=alg, digits=digits, period=period)
    return ours, theirs


def outcome(match, *args, **kwds):
    """What a match call did: the (counter, time, skipped, expire_time) or the error's class name."""
    try:
        m = match(*args, **kwds)
    except (TokenError, passlib.exc.TokenError) as error:
        return type(error).__name__, str(error), getattr(error, "expire_time", None)
    return m.counter, m.time, m.skipped, m.expire_time, m.cache_seconds, m.cache_time, tuple(m)


@st.composite
def scenarios(draw):
    key = draw(st.binary(min_size=14, max_size=40))
    alg = draw(st.sampled_from(sorted(ALGS)))
    digits = draw(st.integers(6, 10))
    period = draw(st.integers(1, 120))
    time = draw(st.integers(0, 2**34))
    window = draw(st.integers(0, 4 * period))
    skew = draw(st.integers(-2 * period, 2 * period))
    ours, theirs = pair(key, alg, digits, period)
    # A code from the search range or a step either side of it, or any digits.
    low, high = (time + skew - window) // period - 1, (time + skew + window) // period + 1
    target = draw(st.integers(max(0, low), max(0, high)))
    if draw(st.integers(0, 3)):
        code = theirs.generate(target * period).token
    else:
        code = draw(st.text("0123456789", min_size=digits, max_size=digits))
    last_counter = draw(st.none() | st.integers(max(-1, low), high + 1))
    return ours, theirs, code, {"window": window, "skew": skew, "last_counter": last_counter}, time


@given(scenarios())
def test_match_agrees_with_passlib(scenario):
    ours, theirs, code, kwds, time = scenario
    note(f"code={code} time={time} {kwds}")
    expected = outcome(theirs.match, code, time, **kwds)
    assert outcome(ours.match, code, time, **kwds) == expected
    assert outcome(ours.match, code, for_time=time, **kwds) == expected
    if code.lstrip("0") and len(code) == ours.digits:
        assert outcome(ours.match, int(code), time, **kwds) == outcome(theirs.match, int(code), time, **kwds)


@given(
    code=st.text("0123456789 -=abc\t", max_size=12) | st.integers(-(10**6), 10**11),
    digits=st.integers(6, 10),
)
def test_malformed_tokens_agree_with_passlib(code, digits):
    ours, theirs = pair(digits=digits)
    assert outcome(ours.match, code, 59) == outcome(theirs.match, code, 59)


def test_replay_of_last_counter_refused():
    totp = pyotp_rs.TOTP(S20)
    first = totp.match("287082", 59)
    assert (first.counter, first.skipped, first.expire_time) == (1, 0, 60)
    with pytest.raises(UsedTokenError) as info:
        totp.match("287082", 59, last_counter=first.counter)
    assert info.value.expire_time == 60
    assert isinstance(info.value, ValueError)
    # An earlier counter than the last one is not even searched.
    with pytest.raises(InvalidTokenError):
        totp.match(totp.at(30), 59, last_counter=2)


def test_totp_match_pickles_and_copies():
    """A TotpMatch survives pickle (every protocol) and copy with every derived value."""
    match = pyotp_rs.TOTP(S20).match(pyotp_rs.TOTP(S20).at(1_000_000_000 - 30), 1_000_000_000, window=60)
    fields = ("counter", "time", "window", "expected_counter", "skipped", "expire_time", "cache_time")
    clones = [pickle.loads(pickle.dumps(match, p)) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
    for clone in [*clones, copy.copy(match), copy.deepcopy(match)]:
        assert type(clone) is type(match)
        assert [getattr(clone, f) for f in fields] == [getattr(match, f) for f in fields]
        assert tuple(clone) == tuple(match) and repr(clone) == repr(match)


def test_drift_within_window_accepted_outside_refused():
    totp = pyotp_rs.TOTP(S20)
    now = 1_000_000_000
    step = now // 30
    for offset in (-1, 0, 1):
        match = totp.match(totp.at(now + 30 * offset), now)
        assert (match.counter, match.skipped) == (step + offset, offset)
    for offset in (-3, -2, 2, 3):
        with pytest.raises(InvalidTokenError):
            totp.match(totp.at(now + 30 * offset), now)
    assert totp.match(totp.at(now - 90), now, window=90).skipped == -3
    with pytest.raises(InvalidTokenError):
        totp.match(totp.at(now - 30), now, window=0)
    assert totp.match(totp.at(now - 60), now, skew=-60, window=0).skipped == -2


def test_match_uses_the_clock_by_default(monkeypatch):
    totp = pyotp_rs.TOTP(S20)
    monkeypatch.setattr("pyotp_rs.totp.time.time", lambda: 1234567890.5)
    match = totp.match("005924")
    assert (match.counter, match.time) == (1234567890 // 30, 1234567890)


def test_malformed_and_bad_arguments():
    totp = pyotp_rs.TOTP(S20)
    with pytest.raises(MalformedTokenError, match="exactly 6 digits"):
        totp.match("28708", 59)
    with pytest.raises(MalformedTokenError, match="only the digits"):
        totp.match("28708x", 59)
    assert totp.match(" 287-082 ", 59).counter == 1
    assert totp.match(b"287082", 59).counter == 1
    with pytest.raises(ValueError, match="window must be >= 0"):
        totp.match("287082", 59, window=-1)
    with pytest.raises(TypeError):
        totp.match(287082.0, 59)
    with pytest.raises(TypeError):
        totp.match("287082", 59, window=1.5)
    with pytest.raises(ValueError, match="whole seconds"):
        pyotp_rs.TOTP(S20, interval=7.5).match("287082", 59)
    with pytest.raises(TypeError, match="Steam"):
        pyotp_rs.contrib.Steam(S20).match("ABCDE", 59)


def test_match_result_object():
    match = pyotp_rs.TOTP(S20).match("287082", 59, window=60)
    assert repr(match) == "<TotpMatch counter=1 time=59 cache_seconds=90>"
    counter, time = match
    assert (counter, time) == (1, 59) and len(match) == 2
    assert (match.expected_counter, match.cache_time, match.window) == (1, 120, 60)


@given(time=st.integers(200, 2**34), window=st.integers(0, 3), offset=st.integers(-4, 4))
def test_verify_keeps_pyotp_behaviour(time, window, offset):
    code = pyotp.TOTP(S20).at(time + 30 * offset)
    assert pyotp_rs.TOTP(S20).verify(code, for_time=time, valid_window=window) == pyotp.TOTP(S20).verify(
        code, for_time=time, valid_window=window
    )
