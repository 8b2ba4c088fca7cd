"""Fuzzing every decoder of untrusted input: parse_uri, base32 secrets, the storage JSON and the
transfer formats get random text and mutations of valid inputs. The library must answer like the
reference (pyotp's exception type, or its result) or with its documented exceptions, and never
panic or raise anything else.

Under the ``ci`` hypothesis profile (``HYPOTHESIS_PROFILE=ci``, which scripts/check.sh picks when
``CI`` is set) each target runs five times the profile's examples, 1000, in about two minutes in
all; the ``dev`` profile runs twice its examples. Each example is bounded: records keep PBKDF2
costs small and Aegis vaults are plain.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

import pyotp
import pyotp_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parity import describe, outcome

FUZZ = settings(
    max_examples=settings.default.max_examples * (5 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 2),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
WALLET = pyotp_rs.Wallet({"1": "fuzz-one", "2": "fuzz-two"}, encrypt_cost=4)

# Characters that mean something to one of the decoders, then anything else.
SPECIAL = list(':/?&=#%+@[]{}",.;-_ \t\n\\0123456789AaZz27=') + [
    "%3A",
    "%25",
    "%ZZ",
    "%E9",
    "\u00e9",
    "\u0130",
    chr(0xD800),  # lone surrogates: pyotp parses them as any other character
    chr(0xDC80),
]
CHARS = st.sampled_from(SPECIAL) | st.characters(exclude_categories=("Cs",))


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    """A seed with a few characters replaced, inserted, deleted or duplicated."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["replace", "insert", "delete", "duplicate"]))
        if op == "replace":
            text = text[:at] + draw(CHARS) + text[at + 1 :]
        elif op == "insert":
            text = text[:at] + draw(CHARS) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            end = draw(st.integers(at, len(text)))
            text = text[:end] + text[at:end] + text[end:]
    return text


def inputs(seeds: list[str]) -> st.SearchStrategy[str]:
    return mutated(seeds) | st.lists(CHARS, max_size=40).map("".join)


def reaction(call: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("error", exception type); a panic or a non-Exception fails the test."""
    try:
        return ("ok", call())
    except Exception as error:  # noqa: BLE001 - the exception is the outcome under test
        assert type(error).__name__ not in ("PanicException", "SystemError"), repr(error)
        return ("error", type(error))


# -- parse_uri ------------------------------------------------------------------------------

URIS = [
    f"otpauth://totp/ACME%20Co:alice%40example.com?secret={SECRET}&issuer=ACME%20Co",
    f"otpauth://totp/alice?secret={SECRET}&algorithm=SHA256&digits=8&period=60",
    f"otpauth://hotp/Example:bob?secret={SECRET}&counter=7&algorithm=SHA512",
    f"otpauth://totp/Steam:carol?secret={SECRET}&encoder=steam&issuer=Steam",
    f"otpauth://totp/a:b?secret={SECRET.lower()}&image=https://example.com/x.png",
]


@FUZZ
@given(inputs(URIS))
def test_parse_uri_answers_like_pyotp(uri: str) -> None:
    theirs = outcome(lambda: pyotp.parse_uri(uri))
    ours = outcome(lambda: pyotp_rs.parse_uri(uri))
    assert "PanicException" not in ours[1], ours
    if theirs[0] == "ok":
        assert ours == theirs, (theirs, ours)
    else:
        assert ours[:2] == theirs[:2], (theirs, ours)


# -- base32 secrets ------------------------------------------------------------------------------

SECRETS = [
    SECRET,
    SECRET.lower() + "====",
    "JBSWY3DPEHPK3PXPJBSWY3DPEH======",
    "A" * 40,
    "MFRGGZDFMZTWQ2LKNNWG23Q",
]


@FUZZ
@given(inputs(SECRETS))
def test_secrets_decode_like_pyotp(secret: str) -> None:
    theirs = outcome(lambda: pyotp.TOTP(secret).at(1234567890))
    ours = outcome(lambda: pyotp_rs.TOTP(secret).at(1234567890))
    assert ours == theirs, (theirs, ours)


@FUZZ
@given(st.binary(max_size=64))
def test_bytes_secrets_decode_like_pyotp(secret: bytes) -> None:
    theirs = outcome(lambda: pyotp.TOTP(secret).at(59))
    ours = outcome(lambda: pyotp_rs.TOTP(secret).at(59))
    assert ours[:2] == theirs[:2], (theirs, ours)


# -- storage JSON -------------------------------------------------------------------------------


def records() -> list[str]:
    totp = pyotp_rs.TOTP(SECRET, digits=8, interval=60, name="alice", issuer="ACME")
    return [
        totp.to_json(),
        totp.to_json(WALLET),
        totp.to_json(WALLET, owner="user-1"),
        totp.to_json(WALLET, format="passlib"),
        pyotp_rs.TOTP(SECRET).to_json(),
    ]


def bounded(text: str) -> bool:
    """Whether a record's PBKDF2 cost (if any) keeps one example quick."""
    try:
        enckey = json.loads(text).get("enckey")
        return not isinstance(enckey, dict) or not isinstance(enckey.get("c"), int) or enckey["c"] <= 10
    except (ValueError, AttributeError, RecursionError):
        return True


STORAGE_ERRORS = (ValueError, TypeError, KeyError)


@FUZZ
@given(
    inputs(records()).filter(bounded),
    st.sampled_from(["sealed", "passlib"]),
    st.sampled_from([None, "user-1"]),
)
def test_storage_json_is_read_or_refused_cleanly(text: str, fmt: str, owner: str | None) -> None:
    kind, value = reaction(lambda: pyotp_rs.TOTP.from_json(text, WALLET, format=fmt, owner=owner))
    if kind == "error":
        assert issubclass(value, STORAGE_ERRORS), value
        return
    # What was read writes back to a record that reads the same.
    again = pyotp_rs.TOTP.from_json(value.to_json(WALLET, owner=owner), WALLET, owner=owner)
    assert describe(again) == describe(value)
    assert reaction(lambda: WALLET.rotate(text, owner=owner))[0] == "ok"


@FUZZ
@given(inputs(records()).filter(bounded))
def test_storage_bytes_and_dicts_never_panic(text: str) -> None:
    kind, value = reaction(lambda: pyotp_rs.TOTP.from_json(text.encode("utf-8", "surrogatepass"), WALLET))
    assert kind == "ok" or issubclass(value, STORAGE_ERRORS), value
    kind, document = reaction(lambda: json.loads(text))
    if kind == "ok" and isinstance(document, dict):
        kind, value = reaction(lambda: pyotp_rs.TOTP.from_dict(document, WALLET, format="passlib"))
        assert kind == "ok" or issubclass(value, STORAGE_ERRORS), value
        kind, value = reaction(lambda: WALLET.needs_rotation(document))
        assert kind == "ok" or issubclass(value, STORAGE_ERRORS), value


@FUZZ
@given(
    st.one_of(st.sampled_from(["1", "2", "3", "", "1 "]), st.text(max_size=12)),
    st.sampled_from(["sealed", "passlib"]),
)
def test_a_storage_tag_the_wallet_lacks_is_a_decryption_error(tag: str, fmt: str) -> None:
    """An edited ``enckey.t`` names a secret the wallet lacks: DecryptionError (also passlib's KeyError)."""
    record = json.loads(pyotp_rs.TOTP(SECRET).to_json(WALLET, format=fmt))
    original = record["enckey"]["t"]
    record["enckey"]["t"] = tag
    kind, value = reaction(lambda: pyotp_rs.TOTP.from_json(json.dumps(record), WALLET, format=fmt))
    if tag == original:
        assert kind == "ok"
    elif tag not in WALLET.tags:
        assert kind == "error" and issubclass(value, pyotp_rs.DecryptionError) and issubclass(value, KeyError)
    elif fmt == "sealed":
        assert kind == "error" and issubclass(value, pyotp_rs.DecryptionError)


# -- transfer formats ------------------------------------------------------------------------


def exports() -> list[str]:
    accounts = [
        pyotp_rs.TOTP(SECRET, name="alice", issuer="ACME"),
        pyotp_rs.HOTP(SECRET, name="bob", initial_count=3, digits=8),
    ]
    uri = f"otpauth://hotp/ACME:bob?secret={SECRET}&issuer=ACME&algorithm=sha256&digits=8&counter=3"
    service = {"name": "ACME", "secret": SECRET, "groupId": "g", "otp": {"account": "bob", "issuer": "ACME"}}
    service["otp"].update(digits=8, algorithm="SHA256", tokenType="HOTP", counter=3)
    andotp = {"secret": SECRET, "issuer": "ACME", "label": "bob", "digits": 8, "type": "HOTP", "counter": 3}
    login = {"username": "bob", "totp": uri}
    return [
        *pyotp_rs.transfer.write_migration(accounts, batch_id=1),
        pyotp_rs.transfer.write_aegis(accounts),
        pyotp_rs.transfer.write_uris(accounts),
        pyotp_rs.transfer.write_portable_uris(accounts),
        json.dumps({"alice": SECRET}),
        json.dumps({"services": [service], "groups": [{"id": "g", "name": "G"}], "schemaVersion": 4}),
        json.dumps([andotp, {**andotp, "type": "STEAM", "label": "ACME:eve", "issuer": ""}]),
        json.dumps({"encrypted": False, "folders": [], "items": [{"name": "ACME", "login": login}]}),
        f"folder,name,login_username,login_totp\nWork,ACME,bob,{uri}\n,Steam,,steam://{SECRET}\n",
        json.dumps(
            {"tokenOrder": [], "tokens": [{"secret": [1, -2, 127, -128] * 4, "type": "HOTP", "counter": 2}]}
        ),
        json.dumps({"version": 1, "entries": [{"id": "1", "content": {"uri": uri, "entry_type": "Totp"}}]}),
        json.dumps({"Authenticators": [{"Type": 1, "Secret": SECRET, "Algorithm": 1, "Counter": 3}]}),
        json.dumps(
            {"app": "2fauth_v5", "data": [{"otp_type": "steamtotp", "secret": SECRET, "service": "S"}]}
        ),
        uri + "&codeDisplay=%7B%22tags%22%3A%5B%22T%22%5D%7D\n" + uri.replace("hotp", "steam", 1),
    ]


@FUZZ
@given(inputs(exports()))
def test_transfer_imports_report_or_refuse_cleanly(text: str) -> None:
    kind, value = reaction(lambda: pyotp_rs.transfer.read(text))
    assert kind == "ok" or issubclass(value, (ValueError, TypeError)), value


@FUZZ
@given(st.sampled_from(exports()[:1]), st.binary(min_size=1, max_size=40), st.integers(0, 400))
def test_migration_payload_bytes_are_decoded_cleanly(uri: str, noise: bytes, at: int) -> None:
    prefix, _, data = uri.partition("data=")
    payload = base64.b64decode(unquote(data))
    at = min(at, len(payload))
    mutated_payload = payload[:at] + noise + payload[at + len(noise) // 2 :]
    text = prefix + "data=" + quote(base64.b64encode(mutated_payload).decode())
    kind, value = reaction(lambda: pyotp_rs.transfer.read(text))
    assert kind == "ok" or issubclass(value, (ValueError, TypeError)), value


def varint(value: int) -> bytes:
    """A protobuf varint (negative int32 values take ten bytes, as protobuf writes them)."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


INT32 = st.integers(-(2**31), 2**31 - 1)


@FUZZ
@given(st.lists(st.tuples(INT32, INT32, INT32), min_size=1, max_size=6))
def test_migration_batch_fields_are_described_not_enumerated(batches: list[tuple[int, int, int]]) -> None:
    """Issue 24.1: any batch_size, batch_index and batch_id, over several QR codes: warnings stay
    a few short lines (a declared size of 2**31-1 once built a 24 GiB set)."""
    lines = []
    for size, index, batch_id in batches:
        payload = b"".join(
            b"%c" % (tag << 3) + varint(v) for tag, v in ((3, size), (4, index), (5, batch_id))
        )
        lines.append("otpauth-migration://offline?data=" + quote(base64.b64encode(payload).decode()))
    report = pyotp_rs.transfer.read("\n".join(lines))
    assert report.entries == ()
    assert len(report.warnings) <= 4 * len(batches) + 1
    assert all(len(warning) < 2000 for warning in report.warnings)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(st.integers(5, len(exports()) - 2), st.data())
def test_app_exports_with_any_member_values_are_read_or_refused(seed: int, data: st.DataObject) -> None:
    """Each member of each app's export replaced by any JSON value: an entry is imported or skipped
    with a reason, or the whole refused with ValueError; never another exception."""
    text = exports()[seed]
    if not text.startswith(("{", "[")):
        return
    document = json.loads(text)

    def replace_one(node: Any) -> Any:
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            return {
                **node,
                key: data.draw(JSON_VALUES) if data.draw(st.booleans()) else replace_one(node[key]),
            }
        if isinstance(node, list) and node:
            at = data.draw(st.integers(0, len(node) - 1))
            return [*node[:at], replace_one(node[at]), *node[at + 1 :]]
        return data.draw(JSON_VALUES)

    changed = json.dumps(replace_one(document))
    kind, value = reaction(lambda: pyotp_rs.transfer.read(changed))
    assert kind == "ok" or issubclass(value, ValueError), value


@FUZZ
@given(st.binary(min_size=0, max_size=80), st.integers(0, 2_000))
def test_encrypted_andotp_bytes_never_panic(noise: bytes, iterations: int) -> None:
    """Binary input read as an andOTP backup: a bounded iteration count, and only DecryptionError
    or ValueError for noise."""
    data = b"\xff" + iterations.to_bytes(3, "big") + noise
    kind, value = reaction(lambda: pyotp_rs.transfer.read(data, password="pw"))
    assert kind == "error" and issubclass(value, ValueError), value


@pytest.mark.parametrize("surrogate", [chr(0xD800), chr(0xDFFF)], ids=["high", "low"])
def test_lone_surrogates_reach_every_decoder_cleanly(surrogate: str) -> None:
    for text in [*records(), *exports()]:
        for at in (0, len(text) // 2, len(text)):
            broken = text[:at] + surrogate + text[at:]
            for call in (
                lambda data=broken: pyotp_rs.TOTP.from_json(data, WALLET, format="passlib"),
                lambda data=broken: pyotp_rs.transfer.read(data),
            ):
                kind, value = reaction(call)
                assert kind == "ok" or issubclass(value, (ValueError, TypeError)), value
