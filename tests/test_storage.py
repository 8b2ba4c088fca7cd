"""Encrypted storage: interop both ways with the real passlib 1.7.4, the shared vectors, the
authenticated format, wallets and key rotation."""

import base64
import copy
import hashlib
import json
import os
import pickle
import string
import warnings

import passlib.exc
import passlib.totp
import pyotp
import pyotp_rs
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from gil import stall
from hypothesis import given
from hypothesis import strategies as st
from pyotp_rs import DecryptionError, Wallet

K20 = b"12345678901234567890"
S20 = base64.b32encode(K20).decode()
ALGS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}

# The vectors of ../shared/formats/passlib-totp-json.md (section 2.9), checked there against passlib.
VECTOR_A = (
    '{"enckey":{"c":14,"k":"RMKE6N3YZ7F6HPCEOHLTJ7BYSD5WHHIN","s":"AEAABIDUNYG2C5FOGWDA","t":"2","v":1},'
    '"label":"alice@example.com","type":"totp","v":1}'
)
VECTOR_B = (
    '{"enckey":{"c":14,"k":"44VHHVDUA6LTDRYPSP6UW7OE5CYUMF44","s":"AAAQEAYEAUDAOCAJBIFQ","t":"1","v":1},'
    '"type":"totp","v":1}'
)
VECTOR_C = (
    '{"alg":"sha256","digits":8,"enckey":{"c":12,"k":"VGEPYRO4UML6KOJIBYP36NDR2KZST4UBLRVIZJSMNNA4VQGQCTUA",'
    '"s":"7777777777777777777Q","t":"2016-05-16","v":1},"issuer":"Example Co","label":"alice@example.com",'
    '"period":60,"type":"totp","v":1}'
)
VECTOR_D = (
    '{"enckey":{"c":10,"k":"6TC6QNO42OD6RGMNJDR5RK3OZK6KOSYW","s":"AAAQEAYEAUDAOCAJBIFQ","t":"2","v":1},'
    '"label":"alice@example.com","type":"totp","v":1}'
)
SECRET_C = "sécret-ünïcode-2016"
WALLET_A = {"1": "wallet-secret-one", "2": "wallet-secret-two"}


def passlib_class(secrets: "dict[str, str] | None" = None, **kwds: object) -> type:
    """A passlib TOTP class configured with an AppWallet."""
    cost = kwds.pop("encrypt_cost", None)
    return passlib.totp.TOTP.using(wallet=passlib.totp.AppWallet(secrets, encrypt_cost=cost), **kwds)


def b32(raw: bytes) -> str:
    """Unpadded base32, as passlib writes it."""
    return base64.b32encode(raw).decode().rstrip("=")


def unb32(text: str) -> bytes:
    """Decodes unpadded base32."""
    return base64.b32decode(text + "=" * (-len(text) % 8))


def same_codes(ours: pyotp_rs.TOTP, theirs: passlib.totp.TOTP, times: "list[int]") -> None:
    for t in times:
        assert ours.at(t) == theirs.generate(t).token


# ------------------------------------------------------------------------- shared vectors


@pytest.mark.parametrize(
    ("vector", "secrets", "cost", "key", "digits"),
    [
        (VECTOR_A, WALLET_A, None, K20, 6),
        (VECTOR_B, {"1": "correct horse battery staple"}, None, K20, 6),
        (VECTOR_C, {"2016-01-01": "old", "2016-05-16": SECRET_C}, 12, b"12345678901234567890123456789012", 8),
        (VECTOR_D, {"2": "wallet-secret-two"}, 10, K20, 6),
    ],
)
def test_vectors_read_with_same_key_and_codes(vector, secrets, cost, key, digits):
    wallet = Wallet(secrets, encrypt_cost=cost)
    totp = pyotp_rs.TOTP.from_json(vector, wallet, format="passlib")
    assert totp.byte_secret() == key
    assert totp.digits == digits
    theirs = passlib_class(secrets, encrypt_cost=cost).from_json(vector)
    assert theirs.key == key
    same_codes(totp, theirs, [59, 1234567890, 2000000000])
    # Nothing to rotate: the passlib record is returned untouched, as passlib re-emits it.
    if vector is not VECTOR_A:
        assert not wallet.needs_rotation(vector, format="passlib")
        assert wallet.rotate(vector, format="passlib") is vector
        assert theirs.changed is False
        assert theirs.to_json() == vector


def test_vector_c_parameters():
    totp = pyotp_rs.TOTP.from_json(VECTOR_C, Wallet({"2016-05-16": SECRET_C}), format="passlib")
    assert (totp.digest, totp.interval, totp.name, totp.issuer) == (
        hashlib.sha256,
        60,
        "alice@example.com",
        "Example Co",
    )
    reference = pyotp.TOTP(totp.secret, digits=8, digest=hashlib.sha256, interval=60)
    assert totp.at(1234567890) == reference.at(1234567890)


def test_vector_d_rotation():
    costly = Wallet(WALLET_A)
    assert costly.needs_rotation(VECTOR_D, format="passlib")
    rotated = costly.rotate(VECTOR_D, format="passlib")
    record = json.loads(rotated)["enckey"]
    assert (record["t"], record["c"], record["v"]) == ("2", 14, 1)
    reader = passlib_class(WALLET_A).from_json(rotated)
    assert (reader.key, reader.label, reader.changed) == (K20, "alice@example.com", False)

    newer = Wallet({"2": "wallet-secret-two", "3": "wallet-secret-three"}, encrypt_cost=10)
    rotated = newer.rotate(VECTOR_D, format="passlib")
    assert json.loads(rotated)["enckey"]["t"] == "3"
    assert pyotp_rs.TOTP.from_json(rotated, newer, format="passlib").byte_secret() == K20

    # Rotation to the default (authenticated) format, then nothing more to do.
    sealed = newer.rotate(VECTOR_D)
    assert json.loads(sealed)["enckey"]["v"] == 3
    assert not newer.needs_rotation(sealed)
    assert pyotp_rs.TOTP.from_json(sealed, newer).byte_secret() == K20


def test_vector_d_unknown_tag_and_wrong_secret():
    with pytest.raises(pyotp_rs.DecryptionError) as info:
        pyotp_rs.TOTP.from_json(VECTOR_D, Wallet({"1": "wallet-secret-one"}), format="passlib")
    assert info.value.args == ("unknown secret tag: '2'",) and isinstance(info.value, KeyError)
    with pytest.raises(KeyError) as theirs:
        passlib_class({"1": "wallet-secret-one"}).from_json(VECTOR_D)
    assert info.value.args == theirs.value.args
    # Version 1 has no MAC: a wrong secret silently gives the same wrong key as passlib.
    wrong = pyotp_rs.TOTP.from_json(VECTOR_D, Wallet({"2": "WRONG"}, encrypt_cost=10), format="passlib")
    assert wrong.byte_secret() == passlib_class({"2": "WRONG"}).from_json(VECTOR_D).key != K20


# --------------------------------------------------------------- interop, both directions

keys = st.binary(min_size=14, max_size=64)
params = st.fixed_dictionaries(
    {
        "alg": st.sampled_from(sorted(ALGS)),
        "digits": st.integers(6, 10),
        "period": st.integers(1, 120),
        "label": st.none()
        | st.text(st.characters(exclude_characters=":", exclude_categories=("Cs",)), min_size=1, max_size=12),
        "issuer": st.none()
        | st.text(st.characters(exclude_characters=":", exclude_categories=("Cs",)), min_size=1, max_size=12),
    }
)
tags = st.text(string.ascii_letters + string.digits + "_.-", min_size=1, max_size=8).filter(
    lambda t: t[0].isalnum()
)
wallets = st.dictionaries(tags, st.text(min_size=1, max_size=20), min_size=1, max_size=4)
times = st.lists(st.integers(0, 2**34), min_size=1, max_size=3)


def passlib_totp(cls: type, key: bytes, p: dict) -> passlib.totp.TOTP:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", passlib.exc.PasslibSecurityWarning)
        return cls(key=key, format="raw", **p)


@given(key=keys, p=params, secrets=wallets, cost=st.integers(4, 8), moments=times)
def test_passlib_encrypted_json_is_read(key, p, secrets, cost, moments):
    cls = passlib_class(secrets, encrypt_cost=cost)
    stored = passlib_totp(cls, key, p).to_json()
    totp = pyotp_rs.TOTP.from_json(stored, Wallet(secrets, encrypt_cost=cost), format="passlib")
    assert totp.byte_secret() == key
    assert totp.name == (p["label"] or "Secret")
    assert totp.issuer == p["issuer"]
    same_codes(totp, cls.from_json(stored), moments)
    assert (
        pyotp_rs.TOTP.from_dict(
            json.loads(stored), Wallet(secrets, encrypt_cost=cost), format="passlib"
        ).secret
        == totp.secret
    )


@given(key=keys, p=params, moments=times)
def test_passlib_plain_json_round_trips_byte_for_byte(key, p, moments):
    theirs = passlib_totp(passlib.totp.TOTP, key, p)
    stored = theirs.to_json()
    totp = pyotp_rs.TOTP.from_json(stored.encode())
    same_codes(totp, theirs, moments)
    assert totp.to_json() == stored
    assert totp.to_dict() == theirs.to_dict()
    assert totp.base32_key == theirs.base32_key


@given(key=keys, p=params, secrets=wallets, cost=st.integers(4, 8))
def test_our_v1_json_is_read_by_passlib(key, p, secrets, cost):
    ours = pyotp_rs.TOTP(
        base64.b32encode(key).decode(),
        digits=p["digits"],
        digest=ALGS[p["alg"]],
        interval=p["period"],
        name=p["label"],
        issuer=p["issuer"],
    )
    wallet = Wallet(secrets, encrypt_cost=cost)
    stored = ours.to_json(wallet, format="passlib")
    theirs = passlib_class(secrets, encrypt_cost=cost).from_json(stored)
    assert theirs.key == key
    assert (theirs.alg, theirs.digits, theirs.period) == (p["alg"], p["digits"], p["period"])
    assert (theirs.label, theirs.issuer) == (p["label"], p["issuer"])
    assert theirs.changed is False
    assert theirs.to_json() == stored
    assert ours.to_dict(wallet, format="passlib") != ours.to_dict()


@given(key=keys, p=params, secrets=wallets, cost=st.integers(4, 8))
def test_sealed_round_trip(key, p, secrets, cost):
    ours = pyotp_rs.TOTP(
        base64.b32encode(key).decode(), digits=p["digits"], digest=ALGS[p["alg"]], interval=p["period"]
    )
    wallet = Wallet(secrets, encrypt_cost=cost)
    stored = ours.to_json(wallet)
    assert json.loads(stored)["enckey"]["t"] == wallet.default_tag
    back = pyotp_rs.TOTP.from_json(stored, wallet)
    assert back.byte_secret() == key
    assert (back.digits, back.interval, back.digest) == (p["digits"], p["period"], ALGS[p["alg"]])
    assert not wallet.needs_rotation(stored)
    assert wallet.needs_rotation(stored, format="passlib")


# --------------------------------------------------------------- the authenticated format


def sealed_sample() -> "tuple[Wallet, dict]":
    wallet = Wallet({"1": "one", "2": "two"}, encrypt_cost=6)
    return wallet, pyotp_rs.TOTP(S20, digits=8).to_dict(wallet)


def test_sealed_record_shape():
    _, data = sealed_sample()
    record = data["enckey"]
    assert sorted(record) == ["alg", "c", "k", "n", "s", "t", "v"]
    assert (record["v"], record["alg"], record["c"], record["t"]) == (3, "aes-256-gcm", 6, "2")
    assert len(unb32(record["s"])) == 16
    assert len(unb32(record["n"])) == 12
    assert len(unb32(record["k"])) == len(K20) + 16


def test_sealed_wrong_secret_raises():
    _, data = sealed_sample()
    with pytest.raises(DecryptionError, match="wrong application secret"):
        pyotp_rs.TOTP.from_dict(data, Wallet({"2": "not-two"}))
    assert issubclass(DecryptionError, ValueError)


@given(bit=st.integers(0, (len(K20) + 16) * 8 - 1))
def test_sealed_flipped_ciphertext_bit_raises(bit):
    wallet, data = sealed_sample()
    raw = bytearray(unb32(data["enckey"]["k"]))
    raw[bit // 8] ^= 1 << (bit % 8)
    data["enckey"]["k"] = b32(bytes(raw))
    with pytest.raises(DecryptionError):
        pyotp_rs.TOTP.from_dict(data, wallet)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("digits", 6),
        ("period", 60),
        ("alg", "sha256"),
        ("label", "mallory"),
        ("issuer", "Evil"),
        ("enckey.t", "1"),
        ("enckey.c", 7),
        ("enckey.v", 2),
    ],
)
def test_sealed_metadata_is_authenticated(member, value):
    wallet, data = sealed_sample()
    if member.startswith("enckey."):
        data["enckey"][member.split(".")[1]] = value
    else:
        data[member] = value
    with pytest.raises(DecryptionError):
        pyotp_rs.TOTP.from_dict(data, wallet)


def test_passlib_refuses_sealed_records_clearly():
    _, data = sealed_sample()
    with pytest.raises(ValueError, match="unrecognized 'enckey' version: 3"):
        passlib_class({"1": "one", "2": "two"}).from_dict(data)


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "Invalid totp data: unrecognized format"),
        (
            '{"type":"totp","v":2,"key":"' + S20 + '"}',
            r"Invalid totp data: missing/unsupported version \(2\)",
        ),
        ('{"type":"totp","v":1}', "missing 'enckey' / 'key'"),
        ('{"type":"hotp","v":1,"key":"' + S20 + '"}', "HOTP not supported"),
        (
            '{"type":"totp","v":1,"enckey":{"v":4,"c":1,"t":"1","s":"AA","k":"AA"}}',
            "unrecognized 'enckey' version: 4",
        ),
        ('{"type":"totp","v":1,"key":"' + S20 + '","digits":11}', r"digits must in range\(6,11\)"),
        ('{"type":"totp","v":1,"key":"' + S20 + '","alg":"nohash"}', "unknown hash algorithm 'nohash'"),
        ('{"type":"totp","v":1,"key":"' + S20 + '","extra":1}', "unexpected member 'extra'"),
        (b'{"type":"totp","v":1,"key":"\xff"}', "not UTF-8"),
        ('{"type":"totp","v":1,"key":"' + S20 + '","label":"\\ud800"}', "not valid JSON"),
    ],
)
def test_bad_documents_raise_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        pyotp_rs.TOTP.from_json(data, Wallet({"1": "x"}))


def test_passlib_agrees_on_version_message():
    data = '{"type":"totp","v":2,"key":"' + S20 + '"}'
    with pytest.raises(ValueError) as theirs:
        passlib.totp.TOTP.from_json(data)
    with pytest.raises(ValueError) as ours:
        pyotp_rs.TOTP.from_json(data)
    assert str(ours.value) == str(theirs.value)


def test_missing_wallet_and_encrypt_flag():
    with pytest.raises(TypeError, match="can't decrypt"):
        pyotp_rs.TOTP.from_json(VECTOR_B)
    with pytest.raises(TypeError, match="can't encrypt"):
        pyotp_rs.TOTP(S20).to_json(encrypt=True)
    with pytest.raises(TypeError, match="can't encrypt"):
        pyotp_rs.TOTP(S20).to_json(Wallet(), encrypt=True)
    assert "key" in pyotp_rs.TOTP(S20).to_dict(Wallet({"1": "x"}), encrypt=False)
    with pytest.raises(ValueError, match="unknown storage format"):
        pyotp_rs.TOTP(S20).to_json(Wallet({"1": "x"}), format="v3")
    with pytest.raises(TypeError):
        pyotp_rs.TOTP.from_dict(VECTOR_B, Wallet({"1": "x"}))


def test_plain_format_is_the_unencrypted_form():
    """``format="plain"`` (the README's name) stores the key unencrypted, even with a wallet."""
    totp = pyotp_rs.TOTP(S20, name="alice")
    wallet = Wallet({"1": "application secret"})
    plain = totp.to_json()
    assert totp.to_json(format="plain") == totp.to_json(wallet, format="plain") == plain
    assert totp.to_dict(wallet, format="plain", encrypt=False) == json.loads(plain)
    assert "enckey" not in json.loads(plain) and "enckey" in json.loads(totp.to_json(wallet))
    assert passlib.totp.TOTP.from_json(plain).base32_key == totp.secret
    with pytest.raises(ValueError, match="format='plain' stores the key unencrypted"):
        totp.to_json(wallet, format="plain", encrypt=True)


def test_wallet_refuses_pickling_and_copies_as_itself():
    """A pickle would hold the application secrets in the clear; a copy is the same immutable wallet."""
    wallet = Wallet({"1": "application secret"})
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(
            TypeError, match="a Wallet cannot be pickled: the pickle would hold its application"
        ):
            pickle.dumps(wallet, protocol)
    assert copy.copy(wallet) is wallet and copy.deepcopy({"w": wallet})["w"] is wallet


def test_unstorable_totp_parameters():
    with pytest.raises(ValueError, match="whole seconds"):
        pyotp_rs.TOTP(S20, interval=7.5).to_json()
    with pytest.raises(ValueError, match="label may not contain ':'"):
        pyotp_rs.TOTP(S20, name="a:b").to_json()
    # pyotp's placeholder name is not stored as a label.
    assert "label" not in pyotp_rs.TOTP(S20).to_dict()


# ------------------------------------------------------------------------------ wallets


@given(secrets=wallets)
def test_default_tag_matches_passlib(secrets):
    assert Wallet(secrets).default_tag == passlib.totp.AppWallet(secrets).default_tag


@given(numbers=st.lists(st.integers(0, 10**30), min_size=1, max_size=5, unique=True))
def test_numeric_default_tag_matches_passlib(numbers):
    secrets = {str(n): "s" for n in numbers}
    assert Wallet(secrets).default_tag == passlib.totp.AppWallet(secrets).default_tag == str(max(numbers))


def test_wallet_text_forms_and_validation():
    text = "# application secrets\n\n1: first\n2:  second: with colon \n"
    wallet = Wallet(text)
    assert (wallet.tags, wallet.default_tag, wallet.encrypt_cost) == (["1", "2"], "2", 14)
    assert Wallet('{"a": "x", "b": "y"}').default_tag == "b"
    assert Wallet({1: "x", "2": b"y"}, default_tag="1").default_tag == "1"
    stored = pyotp_rs.TOTP(S20).to_json(Wallet(text), format="passlib")
    assert passlib_class(passlib.totp.AppWallet(text)._secrets).from_json(stored).key == K20
    assert not Wallet().has_secrets and Wallet().default_tag is None
    for bad, error in [
        ({"-x": "s"}, ValueError),
        ({"1": ""}, ValueError),
        ("single line", ValueError),
        ({"1": 5}, TypeError),
        ({1.5: "x"}, TypeError),
        (["1"], TypeError),
    ]:
        with pytest.raises(error):
            Wallet(bad)
    with pytest.raises(KeyError, match="unknown secret tag: '9'"):
        Wallet({"1": "x"}, default_tag="9")
    for cost in (21, 31, 40, -1, 2**63, -(2**64)):
        with pytest.raises(ValueError, match=f"encrypt_cost must be between 0 and 20, not {cost}"):
            Wallet({"1": "x"}, encrypt_cost=cost)


def test_secrets_never_in_repr():
    wallet = Wallet({"1": "hunter2-secret"})
    assert "hunter2" not in repr(wallet)
    assert repr(wallet) == "Wallet(tags=['1'], default_tag='1', encrypt_cost=14)"


def test_rotate_keeps_the_kind_of_input():
    wallet = Wallet({"1": "correct horse battery staple", "5": "newer"}, encrypt_cost=6)
    as_dict = wallet.rotate(json.loads(VECTOR_B))
    assert isinstance(as_dict, dict) and as_dict["enckey"]["t"] == "5"
    as_text = wallet.rotate(VECTOR_B.encode())
    assert isinstance(as_text, str) and json.loads(as_text)["enckey"]["t"] == "5"
    plain = pyotp_rs.TOTP(S20).to_json()
    assert wallet.needs_rotation(plain) and not Wallet().needs_rotation(plain)
    assert pyotp_rs.TOTP.from_json(wallet.rotate(plain), wallet).byte_secret() == K20


# ---------------------------------------------------------------------------- key display


@given(key=keys, sep=st.sampled_from(["-", " ", ":"]), fmt=st.sampled_from(["base32", "hex"]))
def test_pretty_key_matches_passlib(key, sep, fmt):
    ours = pyotp_rs.TOTP(base64.b32encode(key).decode().lower())
    theirs = passlib_totp(passlib.totp.TOTP, key, {})
    assert ours.pretty_key(fmt, sep) == theirs.pretty_key(fmt, sep)
    assert ours.pretty_key() == theirs.pretty_key()
    assert ours.pretty_key(fmt, None) == theirs.pretty_key(fmt, False)
    assert ours.base32_key == theirs.base32_key


def test_pretty_key_unknown_format():
    with pytest.raises(ValueError, match="unknown byte-encoding format"):
        pyotp_rs.TOTP(S20).pretty_key("base64")


# ------------------------------------------------- binding, owners, downgrades, hostile data


def aesgcm_open(secret: bytes, record: dict, aad: bytes) -> bytes:
    """Opens a sealed `enckey` with the `cryptography` package, from the documented format."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=unb32(record["s"]), iterations=2 ** record["c"]
    )
    return AESGCM(kdf.derive(secret)).decrypt(unb32(record["n"]), unb32(record["k"]), aad)


def fields(*pairs: "tuple[str, str | bytes | None]") -> bytes:
    """The documented associated-data encoding: length-prefixed names and values."""
    out = b""
    for name, value in pairs:
        out += len(name).to_bytes(8, "big") + name.encode()
        if value is None:
            out += b"\0"
        else:
            raw = value.encode() if isinstance(value, str) else value
            out += b"\1" + len(raw).to_bytes(8, "big") + raw
    return out


def test_sealed_format_matches_its_documentation():
    wallet = Wallet({"7": "seven"}, encrypt_cost=4)
    totp = pyotp_rs.TOTP(S20, digits=8, interval=60, name="alice", issuer="ACME")
    record = totp.to_dict(wallet, owner="user-42")["enckey"]
    aad = fields(
        ("pyotp-rs enckey", None), ("v", "3"), ("alg", "aes-256-gcm"), ("c", "4"), ("t", "7")
    ) + fields(
        ("type", "totp"),
        ("v", "1"),
        ("alg", "sha1"),
        ("digits", "8"),
        ("period", "60"),
        ("label", "alice"),
        ("issuer", "ACME"),
        ("owner", "user-42"),
    )
    assert aesgcm_open(b"seven", record, aad) == K20


def legacy_v2_record(secret: bytes, tag: str, cost: int) -> dict:
    """A record as pyotp-rs 0.1 sealed it (enckey version 2), built with `cryptography`."""
    salt, nonce = os.urandom(16), os.urandom(12)
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=2**cost).derive(secret)
    aad = f"pyotp-rs enckey;v=2;alg=aes-256-gcm;c={cost};t={tag};digits=6;period=30;otp_alg=sha1".encode()
    enckey = {
        "alg": "aes-256-gcm",
        "c": cost,
        "k": b32(AESGCM(key).encrypt(nonce, K20, aad)),
        "n": b32(nonce),
    }
    return {"enckey": {**enckey, "s": b32(salt), "t": tag, "v": 2}, "label": "bob", "type": "totp", "v": 1}


def test_a_key_pasted_into_another_record_is_refused():
    wallet = Wallet({"1": "one"}, encrypt_cost=4)
    alice = pyotp_rs.TOTP(pyotp_rs.random_base32(), name="alice").to_dict(wallet)
    bob = pyotp_rs.TOTP(pyotp_rs.random_base32(), name="bob").to_dict(wallet)
    bob["enckey"] = alice["enckey"]
    with pytest.raises(DecryptionError):
        pyotp_rs.TOTP.from_dict(bob, wallet)


def test_records_bound_to_an_owner_open_only_for_it():
    wallet = Wallet({"1": "one"}, encrypt_cost=4)
    totp = pyotp_rs.TOTP(S20)
    stored = totp.to_json(wallet, owner="user-1")
    assert pyotp_rs.TOTP.from_json(stored, wallet, owner="user-1").byte_secret() == K20
    assert pyotp_rs.TOTP.from_json(stored, wallet, owner=b"user-1").byte_secret() == K20
    for other in ("user-2", None):
        with pytest.raises(DecryptionError):
            pyotp_rs.TOTP.from_json(stored, wallet, owner=other)
    # Two accounts with identical members: the owner alone tells their keys apart.
    theirs = pyotp_rs.TOTP(pyotp_rs.random_base32()).to_dict(wallet, owner="user-2")
    theirs["enckey"] = json.loads(stored)["enckey"]
    with pytest.raises(DecryptionError):
        pyotp_rs.TOTP.from_dict(theirs, wallet, owner="user-2")
    # Rotation keeps the binding, and checks it.
    newer = Wallet({"1": "one", "2": "two"}, encrypt_cost=4)
    rotated = newer.rotate(stored, owner="user-1")
    assert json.loads(rotated)["enckey"]["t"] == "2"
    assert pyotp_rs.TOTP.from_json(rotated, newer, owner="user-1").byte_secret() == K20
    with pytest.raises(DecryptionError):
        newer.rotate(stored, owner="user-2")
    with pytest.raises(ValueError, match="needs the sealed format"):
        totp.to_json(wallet, format="passlib", owner="user-1")
    with pytest.raises(ValueError, match="needs the sealed format"):
        totp.to_json(owner="user-1")
    with pytest.raises(TypeError, match="owner must be str or bytes"):
        totp.to_json(wallet, owner=1)


def test_downgrades_are_refused_unless_passlib_is_asked_for():
    wallet = Wallet({"1": "one"}, encrypt_cost=4)
    sealed = pyotp_rs.TOTP(S20).to_dict(wallet)
    # The sealed record relabelled as passlib's version 1 would decrypt to a random key.
    downgraded = {**sealed, "enckey": {m: sealed["enckey"][m] for m in ("c", "k", "s", "t")} | {"v": 1}}
    plain = pyotp_rs.TOTP(S20).to_dict()
    legacy = legacy_v2_record(b"one", "1", 4)
    for data, message in [
        (downgraded, "passlib's unauthenticated 'enckey' version 1"),
        (plain, "refusing a plain 'key'"),
        (legacy, "'enckey' version 2, which does not authenticate"),
    ]:
        with pytest.raises(DecryptionError, match=message):
            pyotp_rs.TOTP.from_dict(data, wallet)
        with pytest.raises(DecryptionError, match="not bound to an owner"):
            pyotp_rs.TOTP.from_dict(data, wallet, owner="user-1")
        assert wallet.needs_rotation(data)
    assert pyotp_rs.TOTP.from_dict(downgraded, wallet, format="passlib").byte_secret() != K20
    assert pyotp_rs.TOTP.from_dict(plain, wallet, format="passlib").byte_secret() == K20
    # pyotp-rs 0.1's sealed records stay readable on request, and rotate into the current form.
    assert pyotp_rs.TOTP.from_dict(legacy, wallet, format="passlib").byte_secret() == K20
    legacy_bob = {**legacy, "label": "mallory"}
    with pytest.raises(DecryptionError):
        pyotp_rs.TOTP.from_dict({**legacy_bob, "digits": 8}, wallet, format="passlib")
    upgraded = wallet.rotate(legacy, owner="user-1")
    assert upgraded["enckey"]["v"] == 3 and not wallet.needs_rotation(upgraded)
    assert pyotp_rs.TOTP.from_dict(upgraded, wallet, owner="user-1").name == "bob"
    # Without a wallet a plain key is what the reader expects.
    assert pyotp_rs.TOTP.from_dict(plain).byte_secret() == K20


@pytest.mark.parametrize("cost", [21, 31])
def test_hostile_costs_are_refused_before_any_work(cost):
    wallet = Wallet({"1": "one"}, encrypt_cost=4)
    for data in (pyotp_rs.TOTP(S20).to_dict(wallet), json.loads(VECTOR_B)):
        data["enckey"]["c"] = cost
        with pytest.raises(ValueError, match=f"cost {cost} is not between 0 and 20"):
            pyotp_rs.TOTP.from_dict(data, wallet, format="passlib")
        with pytest.raises(ValueError, match=f"cost {cost} is not between 0 and 20"):
            wallet.rotate(data)


@pytest.mark.parametrize("alg", ["new", "__loader__", "algorithms_available", "file_digest"])
def test_hash_names_that_are_not_hashes_are_refused_at_load(alg):
    data = {"type": "totp", "v": 1, "key": S20, "alg": alg}
    with pytest.raises(ValueError, match=f"unknown hash algorithm '{alg}'"):
        pyotp_rs.TOTP.from_dict(data)
    if alg in ("new", "__loader__"):  # passlib calls the other two, failing with TypeError
        with pytest.raises(ValueError, match=f"unknown hash: '{alg}'"):
            passlib.totp.TOTP.from_dict(data)


def test_key_derivation_releases_the_gil():
    wallet = Wallet({"1": "one"}, encrypt_cost=13)
    totp = pyotp_rs.TOTP(S20)
    took, stalled = stall(lambda: totp.to_json(wallet))
    assert stalled < took / 2, (took, stalled)
    stored = totp.to_json(wallet)
    took, stalled = stall(lambda: pyotp_rs.TOTP.from_json(stored, wallet))
    assert stalled < took / 2, (took, stalled)


@pytest.mark.parametrize("tag", ["9", "zz", "", "1 ", "\u00e9"])
@pytest.mark.parametrize("format", ["sealed", "passlib"])
def test_an_edited_tag_raises_decryption_error(tag: str, format: str) -> None:
    """An ``enckey.t`` the wallet does not hold is an edited member like any other: DecryptionError
    (the README's promise), and still the KeyError passlib raises, with passlib's message."""
    wallet = Wallet({"1": "wallet-secret-one"}, encrypt_cost=4)
    record = json.loads(pyotp_rs.TOTP(pyotp.random_base32()).to_json(wallet, format=format))
    record["enckey"]["t"] = tag
    with pytest.raises(pyotp_rs.DecryptionError) as info:
        pyotp_rs.TOTP.from_json(json.dumps(record), wallet, format=format)
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert info.value.args == (f"unknown secret tag: {tag!r}",)
    if format == "passlib" and tag:
        with pytest.raises(KeyError) as theirs:
            passlib_class({"1": "wallet-secret-one"}).from_json(json.dumps(record))
        assert theirs.value.args == info.value.args
