"""Import and export (``pyotp_rs.transfer``): Google Authenticator migration payloads checked
against the official ``protobuf`` runtime, Aegis vaults checked against an independent
implementation of the documented layout (``cryptography`` + ``hashlib.scrypt``), the seeds' JSON
stores, otpauth lists, round trips through every writer, and fuzzed decoders."""

import base64
import hashlib
import json
import os
import urllib.parse
import uuid

import pyotp_rs
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyotp_rs import HOTP, TOTP, DecryptionError, transfer
from pyotp_rs._pyotp_rs import _RawAccount, _read_migration
from pyotp_rs.contrib import Steam

K20 = b"12345678901234567890"
S32 = base64.b32encode(K20).decode()
K10 = base64.b32decode("JBSWY3DPEHPK3PXP")  # an 80-bit secret, as many older accounts have
SHORT_NOTE = (
    "short secret (80 bits, under the 112 bits pyotp requires): imported with allow_short_secret=True"
)


def _migration_classes() -> tuple[type, type]:
    """``MigrationPayload`` and ``OtpParameters`` from a descriptor built here, field numbers as
    in ../shared/formats/google-authenticator-migration.md."""
    f = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="migration.proto", package="gam", syntax="proto3")
    for name, values in {
        "Algorithm": ["ALGORITHM_UNSPECIFIED", "SHA1", "SHA256", "SHA512", "MD5"],
        "DigitCount": ["DIGIT_COUNT_UNSPECIFIED", "SIX", "EIGHT", "SEVEN"],
        "OtpType": ["OTP_TYPE_UNSPECIFIED", "HOTP", "TOTP"],
    }.items():
        enum = file.enum_type.add(name=name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    params = file.message_type.add(name="OtpParameters")
    for number, (name, kind, type_name) in enumerate(
        [
            ("secret", f.TYPE_BYTES, ""),
            ("name", f.TYPE_STRING, ""),
            ("issuer", f.TYPE_STRING, ""),
            ("algorithm", f.TYPE_ENUM, ".gam.Algorithm"),
            ("digits", f.TYPE_ENUM, ".gam.DigitCount"),
            ("type", f.TYPE_ENUM, ".gam.OtpType"),
            ("counter", f.TYPE_INT64, ""),
        ],
        1,
    ):
        params.field.add(
            name=name, number=number, type=kind, label=f.LABEL_OPTIONAL, type_name=type_name or None
        )
    payload = file.message_type.add(name="MigrationPayload")
    payload.field.add(
        name="otp_parameters",
        number=1,
        type=f.TYPE_MESSAGE,
        label=f.LABEL_REPEATED,
        type_name=".gam.OtpParameters",
    )
    for number, name in enumerate(["version", "batch_size", "batch_index", "batch_id"], 2):
        payload.field.add(name=name, number=number, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    get = message_factory.GetMessageClass
    return get(pool.FindMessageTypeByName("gam.MigrationPayload")), get(
        pool.FindMessageTypeByName("gam.OtpParameters")
    )


Payload, OtpParameters = _migration_classes()
# The vector of ../shared/formats/google-authenticator-migration.md section 6.3.
VECTOR_URI = (
    "otpauth-migration://offline?data=CjgKFDEyMzQ1Njc4OTAxMjM0NTY3ODkwEhFhbGljZUBleGFtcGxlLmNvbRoHRXhhbXBsZSA"
    "BKAEwAgooChQxMjM0NTY3ODkwMTIzNDU2Nzg5MBIIQWNtZTpib2IgAygCMAE4KhABGAEolZrvOg%3D%3D"
)


def migration_uri(payload: bytes, style: str = "encoded") -> str:
    """The URI of a payload, with ``+`` percent-encoded, left raw, or turned into a space."""
    data = base64.b64encode(payload).decode()
    if style == "encoded":
        data = urllib.parse.quote(data, safe="")
    elif style == "space":
        data = data.replace("+", " ")
    return f"otpauth-migration://offline?data={data}"


def fields(account: transfer.Account) -> tuple:
    """Everything that makes an account's codes and label, for comparing accounts."""
    otp = account.otp
    return (
        account.type,
        otp.byte_secret(),
        account.name,
        account.issuer,
        otp.digest().name,
        otp.digits if account.type != "steam" else 5,
        getattr(otp, "interval", None),
        getattr(otp, "initial_count", None),
    )


# -- Google Authenticator migration: decoding -------------------------------------------------


def test_documented_vector_field_by_field():
    report = transfer.read(VECTOR_URI)
    assert report.format == "migration" and report.warnings == ()
    alice, bob = report.accounts
    assert fields(alice) == ("totp", K20, "alice@example.com", "Example", "sha1", 6, 30, None)
    # `Acme:bob` with no issuer splits on the first colon, as Aegis reads it.
    assert fields(bob) == ("hotp", K20, "bob", "Acme", "sha512", 8, None, 42)
    assert [e.status for e in report.entries] == ["imported", "imported"]


def test_protobuf_runtime_agrees_with_the_vector():
    data = urllib.parse.unquote(VECTOR_URI.split("data=")[1])
    payload = Payload.FromString(base64.b64decode(data))
    assert (payload.version, payload.batch_size, payload.batch_index, payload.batch_id) == (
        1,
        1,
        0,
        123456789,
    )
    assert [p.name for p in payload.otp_parameters] == ["alice@example.com", "Acme:bob"]


secrets = st.binary(min_size=1, max_size=64)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@st.composite
def otp_parameters(draw):
    return OtpParameters(
        secret=draw(secrets),
        name=draw(texts),
        issuer=draw(texts),
        algorithm=draw(st.integers(0, 3)),
        digits=draw(st.integers(0, 3)),
        type=draw(st.integers(0, 2)),
        counter=draw(st.integers(0, 2**63 - 1)),
    )


@given(
    st.lists(otp_parameters(), max_size=12),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(0, 5),
    st.integers(0, 5),
    st.sampled_from(["encoded", "raw", "space"]),
)
def test_decoder_matches_protobuf_runtime(params, batch_id, batch_size, batch_index, style):
    payload = Payload(
        otp_parameters=params, version=1, batch_size=batch_size, batch_index=batch_index, batch_id=batch_id
    )
    version, size, index, read_id, entries = _read_migration(
        migration_uri(payload.SerializeToString(), style)
    )
    assert (version, size, index, read_id) == (1, batch_size, batch_index, batch_id)
    assert len(entries) == len(params)
    for p, entry in zip(params, entries):
        assert isinstance(entry, _RawAccount)
        name, issuer = p.name, p.issuer
        if not issuer and ":" in name:
            issuer, name = name.split(":", 1)
        assert (entry.name, entry.issuer) == (name, issuer)
        assert base64.b32decode(entry.secret + "=" * (-len(entry.secret) % 8)) == p.secret
        assert entry.algorithm == ["SHA1", "SHA1", "SHA256", "SHA512"][p.algorithm]
        assert entry.digits == [6, 6, 8, 7][p.digits]
        assert entry.kind == ("hotp" if p.type == 1 else "totp")
        assert entry.counter == (p.counter if p.type == 1 else 0)


def test_negative_batch_id_is_a_ten_byte_varint():
    payload = Payload(otp_parameters=[OtpParameters(secret=K20, name="a")], batch_id=-1).SerializeToString()
    assert payload.endswith(b"\x28" + b"\xff" * 9 + b"\x01")
    assert _read_migration(migration_uri(payload))[3] == -1


def test_unknown_fields_are_skipped():
    extra = OtpParameters(secret=K20, name="a").SerializeToString() + b"\x42\x03abc"  # field 8: unique_id
    payload = b"\x0a" + bytes([len(extra)]) + extra + b"\x30\x07"  # and a field 6 in the payload
    (entry,) = transfer.read(migration_uri(payload)).entries
    assert entry.status == "imported" and entry.account.name == "a"


def test_missing_optional_fields_default_to_sha1_six_digits_totp():
    (account,) = transfer.read(
        migration_uri(Payload(otp_parameters=[OtpParameters(secret=K20)]).SerializeToString())
    ).accounts
    assert fields(account) == ("totp", K20, "", "", "sha1", 6, 30, None)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"algorithm": 4}, "unsupported algorithm MD5"),
        ({"algorithm": 9}, "unknown algorithm value 9"),
        ({"digits": 5}, "unknown digits value 5"),
        ({"type": 3}, "unknown OTP type value 3"),
        ({"secret": b""}, "empty secret"),
        ({"type": 1, "counter": -2}, "negative counter -2"),
    ],
)
def test_unusable_entries_are_skipped_with_the_reason(params, reason):
    good = OtpParameters(secret=K20, name="good", issuer="Ok")
    bad = OtpParameters(**{"secret": K20, "name": "bad", "issuer": "Acme", **params})
    report = transfer.read(migration_uri(Payload(otp_parameters=[good, bad]).SerializeToString()))
    assert [a.name for a in report.accounts] == ["good"]
    (skipped,) = report.skipped
    assert (skipped.label, skipped.status, skipped.reason) == ("Acme:bad", "skipped", reason)


def test_batches_report_missing_and_mixed_codes():
    def batch(index, batch_id=5, size=3):
        params = [OtpParameters(secret=K20, name=f"user{index}")]
        return migration_uri(
            Payload(
                otp_parameters=params, batch_size=size, batch_index=index, batch_id=batch_id
            ).SerializeToString()
        )

    report = transfer.read("\n".join([batch(0), batch(2), batch(2)]))
    assert [a.name for a in report.accounts] == ["user0", "user2", "user2"]
    assert report.warnings == ("export 5: QR code(s) 2 of 3 missing", "export 5: QR code(s) 3 read twice")
    mixed = transfer.read("\n".join([batch(0, size=1), batch(0, batch_id=6, size=1)]))
    assert mixed.warnings == ("the migration URIs come from more than one export",)


def test_short_secrets_are_imported_and_said_so():
    short = OtpParameters(secret=K10, name="legacy", issuer="Old")
    (entry,) = transfer.read(migration_uri(Payload(otp_parameters=[short]).SerializeToString())).entries
    assert (entry.status, entry.reason) == ("imported", SHORT_NOTE)
    assert entry.account.otp.byte_secret() == K10 and entry.account.otp.allow_short_secret
    assert entry.account.otp.at(0) == pyotp_rs.TOTP("JBSWY3DPEHPK3PXP", allow_short_secret=True).at(0)
    (listed,) = transfer.read("otpauth://totp/Old:legacy?secret=JBSWY3DPEHPK3PXP&issuer=Old").entries
    assert (listed.label, listed.status, listed.reason) == ("Old:legacy", "imported", SHORT_NOTE)
    (team,) = transfer.read('{"legacy": "JBSWY3DPEHPK3PXP"}').entries
    assert (team.status, team.reason) == ("imported", SHORT_NOTE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("otpauth-migration://offline", "the otpauth-migration URI has no data parameter"),
        ("otpauth-migration://offline?x=1", "the otpauth-migration URI has no data parameter"),
        ("otpauth-migration://online?data=AA", "not a Google Authenticator export"),
        ("otpauth-migration://offline?data=%%%", "the otpauth-migration data is not base64"),
        ("otpauth-migration://offline?data=CgE%3D", "not a valid migration payload"),
        ("hello", "unrecognised input"),
        ("{}", "unrecognised JSON"),
        ("{", "looks like JSON but is not"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_bad_inputs_are_clear_value_errors(text, message):
    with pytest.raises(ValueError, match=message):
        transfer.read(text)


# -- Google Authenticator migration: encoding -------------------------------------------------


def sample_accounts():
    return [
        TOTP(S32, name="alice@example.com", issuer="Example"),
        TOTP(
            base64.b32encode(b"\xfb" * 20).decode(),
            name="Ünïcødé",
            issuer="Ωmega",
            digits=8,
            digest=hashlib.sha256,
        ),
        HOTP(S32, name="bob", initial_count=2**40, digest=hashlib.sha512),
    ]


def test_writer_output_parsed_by_protobuf_runtime():
    (uri,) = transfer.write_migration(sample_accounts(), batch_id=-77)
    payload = Payload.FromString(base64.b64decode(urllib.parse.unquote(uri.split("data=")[1])))
    assert (payload.version, payload.batch_size, payload.batch_index, payload.batch_id) == (1, 1, 0, -77)
    got = [
        (p.secret, p.name, p.issuer, p.algorithm, p.digits, p.type, p.counter) for p in payload.otp_parameters
    ]
    assert got == [
        (K20, "alice@example.com", "Example", 1, 1, 2, 0),
        (b"\xfb" * 20, "Ünïcødé", "Ωmega", 2, 2, 2, 0),
        (K20, "bob", "", 3, 1, 1, 2**40),
    ]
    assert "+" not in uri and "/" not in uri.split("?")[1] and uri.endswith("%3D")


def test_writer_splits_batches_that_stay_scannable():
    accounts = [TOTP(S32, name=f"user{i}@example.com", issuer="Example") for i in range(23)]
    accounts.append(TOTP(S32, name="x" * 900, issuer="Long"))
    uris = transfer.write_migration(accounts, batch_id=9)
    payloads = [Payload.FromString(base64.b64decode(urllib.parse.unquote(u.split("data=")[1]))) for u in uris]
    assert [len(p.otp_parameters) for p in payloads] == [10, 10, 3, 1]
    assert [(p.batch_size, p.batch_index, p.batch_id) for p in payloads] == [(4, i, 9) for i in range(4)]
    for uri in uris[:3]:
        assert pyotp_rs.qr.make(uri).version <= 25
    assert [fields(a) for a in transfer.read("\n".join(uris)).accounts] == [
        fields(transfer.Account.from_otp(a)) for a in accounts
    ]
    assert len({transfer.write_migration(accounts[:1])[0] for _ in range(4)}) > 1  # random batch ids


def test_writer_refuses_what_the_format_cannot_hold():
    accounts = [
        TOTP(S32, name="slow", interval=60),
        Steam(S32, name="s", issuer="Steam"),
        TOTP(S32, name="ok"),
    ]
    with pytest.raises(ValueError) as error:
        transfer.write_migration(accounts)
    assert str(error.value) == (
        "cannot export to Google Authenticator migration: slow: period 60 s: this format has only "
        "30-second TOTP; Steam:s: Steam accounts have no Google Authenticator form"
    )
    md5 = TOTP(S32, name="bob")
    md5.digest = hashlib.md5
    with pytest.raises(ValueError, match="^bob: unsupported algorithm MD5$"):
        transfer.write_migration([md5])
    with pytest.raises(
        ValueError, match="^cannot export to otpauth URIs: nine: 9 digits: otpauth URIs carry only 6, 7 or 8$"
    ):
        transfer.write_uris([TOTP(S32, name="nine", digits=9), TOTP(S32, name="ok")])


# -- Aegis ------------------------------------------------------------------------------------


def aegis_entry(kind="totp", name="alice", issuer="Example", secret=S32, algo="SHA1", digits=6, **info):
    info = {"secret": secret, "algo": algo, "digits": digits, **info}
    if kind in ("totp", "steam"):
        info.setdefault("period", 30)
    return {
        "type": kind,
        "uuid": str(uuid.uuid4()),
        "name": name,
        "issuer": issuer,
        "note": "",
        "favorite": False,
        "icon": None,
        "info": info,
    }


def independent_encrypt(db: dict, password: str, n: int = 2**15) -> str:
    """An encrypted vault built from the documented layout, without pyotp-rs."""
    master, salt = os.urandom(32), os.urandom(32)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32, maxmem=2**27)
    slot_nonce, db_nonce = os.urandom(12), os.urandom(12)
    wrapped = AESGCM(key).encrypt(slot_nonce, master, None)
    sealed = AESGCM(master).encrypt(db_nonce, json.dumps(db).encode(), None)
    slot = {
        "type": 1,
        "uuid": str(uuid.uuid4()),
        "key": wrapped[:-16].hex(),
        "key_params": {"nonce": slot_nonce.hex(), "tag": wrapped[-16:].hex()},
        "n": n,
        "r": 8,
        "p": 1,
        "salt": salt.hex(),
        "repaired": True,
    }
    biometric = {"type": 2, "uuid": str(uuid.uuid4()), "key": "00", "key_params": slot["key_params"]}
    return json.dumps(
        {
            "version": 1,
            "header": {
                "slots": [biometric, slot],
                "params": {"nonce": db_nonce.hex(), "tag": sealed[-16:].hex()},
            },
            "db": base64.b64encode(sealed[:-16]).decode(),
        }
    )


def independent_decrypt(text: str, password: str) -> dict:
    vault = json.loads(text)
    (slot,) = [s for s in vault["header"]["slots"] if s["type"] == 1]
    key = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(slot["salt"]),
        n=slot["n"],
        r=slot["r"],
        p=slot["p"],
        dklen=32,
        maxmem=2**27,
    )
    params = slot["key_params"]
    master = AESGCM(key).decrypt(
        bytes.fromhex(params["nonce"]), bytes.fromhex(slot["key"] + params["tag"]), None
    )
    params = vault["header"]["params"]
    db = base64.b64decode(vault["db"]) + bytes.fromhex(params["tag"])
    return json.loads(AESGCM(master).decrypt(bytes.fromhex(params["nonce"]), db, None))


ENTRIES = [
    aegis_entry(),
    aegis_entry("hotp", "bob", "", base64.b32encode(K20 * 2).decode().rstrip("="), "SHA512", 8, counter=5),
    aegis_entry("steam", "gaben", "Steam", digits=5),
    aegis_entry(name="long", algo="SHA256", digits=7, period=60),
    aegis_entry("motp", "m", "", pin="1234"),
    aegis_entry("yandex", "y", ""),
    aegis_entry(name="md5", algo="MD5"),
    aegis_entry(name="short", secret="JBSWY3DPEHPK3PXP"),
]
EXPECTED = [
    ("totp", K20, "alice", "Example", "sha1", 6, 30, None),
    ("hotp", K20 * 2, "bob", "", "sha512", 8, None, 5),
    ("steam", K20, "gaben", "Steam", "sha1", 5, 30, None),
    ("totp", K20, "long", "Example", "sha256", 7, 60, None),
    ("totp", K10, "short", "Example", "sha1", 6, 30, None),
]
EXPECTED_SKIPS = [
    ("m", 'unsupported type "motp"'),
    ("y", 'unsupported type "yandex"'),
    ("Example:md5", "unsupported algorithm MD5"),
]


def plain_vault(entries):
    return {
        "version": 1,
        "header": {"slots": None, "params": None},
        "db": {"version": 3, "entries": entries, "groups": []},
    }


def check_report(report):
    assert report.format == "aegis"
    assert [fields(a) for a in report.accounts] == EXPECTED
    assert [(e.label, e.reason) for e in report.skipped] == EXPECTED_SKIPS
    assert [e.reason for e in report.entries if e.account] == [""] * 4 + [SHORT_NOTE]


def test_plain_vault_made_independently():
    check_report(transfer.read(json.dumps(plain_vault(ENTRIES))))


def test_encrypted_vault_made_independently():
    text = independent_encrypt(plain_vault(ENTRIES)["db"], "correct horse")
    check_report(transfer.read(text, password="correct horse"))
    check_report(transfer.read(text.encode(), password="correct horse"))


def test_vault_written_by_pyotp_rs_opened_independently():
    report = transfer.read(json.dumps(plain_vault(ENTRIES)))
    text = transfer.write_aegis(report.accounts, password="pässwörd")
    vault = json.loads(text)
    (slot,) = vault["header"]["slots"]
    assert (slot["type"], slot["n"], slot["r"], slot["p"], len(bytes.fromhex(slot["salt"]))) == (
        1,
        2**15,
        8,
        1,
        32,
    )
    db = independent_decrypt(text, "pässwörd")
    got = [(e["type"], e["name"], e["issuer"], e["info"]) for e in db["entries"]]
    assert got == [
        ("totp", "alice", "Example", {"secret": S32, "algo": "SHA1", "digits": 6, "period": 30}),
        (
            "hotp",
            "bob",
            "",
            {"secret": base64.b32encode(K20 * 2).decode(), "algo": "SHA512", "digits": 8, "counter": 5},
        ),
        ("steam", "gaben", "Steam", {"secret": S32, "algo": "SHA1", "digits": 5, "period": 30}),
        ("totp", "long", "Example", {"secret": S32, "algo": "SHA256", "digits": 7, "period": 60}),
        (
            "totp",
            "short",
            "Example",
            {"secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30},
        ),
    ]
    assert len({uuid.UUID(e["uuid"]).version for e in db["entries"]} | {4}) == 1
    plain = json.loads(transfer.write_aegis(report.accounts))
    assert plain["header"] == {"slots": None, "params": None}
    assert [e["info"] for e in plain["db"]["entries"]] == [e["info"] for e in db["entries"]]


def test_wrong_password_and_missing_password():
    text = independent_encrypt(plain_vault(ENTRIES[:1])["db"], "right", n=2**10)
    with pytest.raises(DecryptionError, match="^wrong password for the Aegis vault$"):
        transfer.read(text, password="wrong")
    with pytest.raises(DecryptionError, match="^the Aegis vault is encrypted: a password is needed$"):
        transfer.read(text)


@pytest.mark.parametrize("where", ["db", "tag", "nonce"])
def test_flipped_byte_is_refused(where):
    vault = json.loads(independent_encrypt(plain_vault(ENTRIES[:1])["db"], "pw", n=2**10))
    if where == "db":
        raw = bytearray(base64.b64decode(vault["db"]))
        raw[len(raw) // 2] ^= 0x01
        vault["db"] = base64.b64encode(raw).decode()
    else:
        value = bytearray.fromhex(vault["header"]["params"][where])
        value[0] ^= 0x80
        vault["header"]["params"][where] = value.hex()
    with pytest.raises(DecryptionError, match="modified or damaged"):
        transfer.read(json.dumps(vault), password="pw")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: v["header"]["slots"][1].update(n=2**30),
            r"scrypt parameters are out of range \(n=1073741824",
        ),
        (lambda v: v["header"]["slots"][1].update(n=1000), "scrypt parameters are out of range"),
        (lambda v: v["header"]["slots"][1].update(p=10**6), "scrypt parameters are out of range"),
        (lambda v: v["header"]["slots"][1].update(salt="zz"), "a slot salt is not hex"),
        (lambda v: v["header"]["slots"].pop(1), "it has no password slot"),
        (lambda v: v["header"]["params"].update(nonce="00"), "a nonce is not 12 bytes"),
        (lambda v: v.update(db=5), "the header does not match the db"),
        (lambda v: v.update(db="!!"), "db is not base64"),
        (lambda v: v["header"]["slots"][1].pop("salt"), "a password slot is malformed"),
    ],
)
def test_malformed_vaults_are_clear_errors(change, message):
    vault = json.loads(independent_encrypt(plain_vault(ENTRIES[:1])["db"], "pw", n=2**10))
    change(vault)
    with pytest.raises(ValueError, match=message):
        transfer.read(json.dumps(vault), password="pw")


# -- The seeds' stores and otpauth lists ------------------------------------------------------


def test_totphog_tokens_json():
    tokens = {
        "550e8400-e29b-41d4-a716-446655440000": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "GitHub",
            "secret": S32,
            "issuer": "GitHub",
            "digits": 6,
            "period": 30,
            "algorithm": "sha1",
            "created_at": "2024-01-15T10:30:00+00:00",
        },
        "6f1c": {
            "id": "6f1c",
            "name": "VPN",
            "secret": S32,
            "issuer": "TOTPHog",
            "digits": 8,
            "period": 60,
            "algorithm": "sha256",
        },
        "7a2d": {"id": "7a2d", "name": "Old", "secret": "JBSWY3DPEHPK3PXP", "issuer": "TOTPHog"},
        "8b3e": {"id": "8b3e", "name": "Weird", "secret": S32, "algorithm": "md5"},
    }
    report = transfer.read(json.dumps(tokens))
    assert report.format == "totphog"
    assert [fields(a) for a in report.accounts] == [
        ("totp", K20, "GitHub", "GitHub", "sha1", 6, 30, None),
        ("totp", K20, "VPN", "TOTPHog", "sha256", 8, 60, None),
        ("totp", K10, "Old", "TOTPHog", "sha1", 6, 30, None),
    ]
    assert [(e.label, e.status, e.reason) for e in report.entries[2:]] == [
        ("TOTPHog:Old", "imported", SHORT_NOTE),
        ("Weird", "skipped", "unsupported algorithm MD5"),
    ]
    api = {"success": True, "data": list(tokens.values()), "count": 4}
    assert [fields(a) for a in transfer.read(json.dumps(api)).accounts] == [
        fields(a) for a in report.accounts
    ]


def test_team_secrets_json():
    report = transfer.read(json.dumps({"alice": S32, "bob": "not base32!", "carol": S32.lower()}).encode())
    assert report.format == "team"
    assert [fields(a) for a in report.accounts] == [
        ("totp", K20, n, "", "sha1", 6, 30, None) for n in ("alice", "carol")
    ]
    assert [(e.label, e.reason) for e in report.skipped] == [("bob", "Non-base32 digit found")]
    assert report.accounts[0].otp.at(59) == pyotp_rs.TOTP(S32).at(59)


def test_otpauth_lists_both_ways():
    text = (
        "# exported by some tool\n\n"
        f"otpauth://totp/Example:alice?secret={S32}&issuer=Example\n"
        f"otpauth://hotp/bob?secret={S32}&counter=3\n"
        f"OTPAUTH://totp/x?secret={S32}&algorithm=MD5\n"
        "https://example.com\n"
        f"{VECTOR_URI}\n"
    )
    report = transfer.read(text)
    assert report.format == "uris"
    assert [e.label for e in report.entries] == [
        "Example:alice",
        "bob",
        "line 5",
        "line 6",
        "Example:alice@example.com",
        "Acme:bob",
    ]
    assert [e.reason for e in report.skipped] == [
        "Invalid value for algorithm, must be SHA1, SHA256 or SHA512",
        "not an otpauth:// or otpauth-migration:// URI",
    ]
    written = transfer.write_uris(report.accounts)
    assert written.splitlines()[:2] == [
        f"otpauth://totp/Example:alice?secret={S32}&issuer=Example",
        f"otpauth://hotp/bob?secret={S32}&counter=3",
    ]
    assert [fields(a) for a in transfer.read(written).accounts] == [fields(a) for a in report.accounts]


# -- Round trips through every writer ---------------------------------------------------------

names = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=":"), min_size=1, max_size=20
)


@st.composite
def accounts(draw, migration_only=False):
    secret = base64.b32encode(draw(st.binary(min_size=1, max_size=64))).decode()
    kind = draw(st.sampled_from(["totp", "hotp"] if migration_only else ["totp", "hotp", "steam"]))
    name, issuer = draw(names), draw(st.one_of(st.just(""), names))
    digest = draw(st.sampled_from([hashlib.sha1, hashlib.sha256, hashlib.sha512]))
    digits = draw(st.sampled_from([6, 8] if migration_only else [6, 7, 8, 9, 10]))
    common = {"name": name, "issuer": issuer or None, "allow_short_secret": True}
    if kind == "steam":
        otp = Steam(secret, interval=draw(st.integers(1, 120)), **common)
    elif kind == "hotp":
        otp = HOTP(secret, digits=digits, digest=digest, initial_count=draw(st.integers(0, 2**62)), **common)
    else:
        interval = 30 if migration_only else draw(st.integers(1, 120))
        otp = TOTP(secret, digits=digits, digest=digest, interval=interval, **common)
    return transfer.Account(otp, name, issuer, kind)


@given(st.lists(accounts(migration_only=True), min_size=1, max_size=25))
def test_migration_round_trip(items):
    read = transfer.read("\n".join(transfer.write_migration(items)))
    assert read.warnings == () and read.skipped == []
    assert [fields(a) for a in read.accounts] == [fields(a) for a in items]


@given(st.lists(accounts(), max_size=8))
def test_uri_and_plain_aegis_round_trips(items):
    uri_items = [a for a in items if a.type == "steam" or a.otp.digits <= 8]
    for written, text in ((uri_items, transfer.write_uris(uri_items)), (items, transfer.write_aegis(items))):
        if written:
            assert [fields(a) for a in transfer.read(text).accounts] == [fields(a) for a in written]


@settings(max_examples=5)
@given(st.lists(accounts(), min_size=1, max_size=5), st.text(min_size=1, max_size=20))
def test_encrypted_aegis_round_trip(items, password):
    text = transfer.write_aegis(items, password=password)
    assert [fields(a) for a in transfer.read(text, password=password).accounts] == [fields(a) for a in items]


# -- Fuzzing the decoders ---------------------------------------------------------------------


def read_or_value_error(text, password=None):
    try:
        report = transfer.read(text, password=password)
    except ValueError:
        return None
    assert all(e.status in ("imported", "skipped") for e in report.entries)
    return report


@given(st.binary(max_size=200))
def test_fuzz_migration_random_bytes(data):
    read_or_value_error(migration_uri(data))


@given(st.data())
def test_fuzz_migration_mutated_payloads(data):
    payload = bytearray(base64.b64decode(urllib.parse.unquote(VECTOR_URI.split("data=")[1])))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(payload) - 1))
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip":
            payload[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del payload[i:]
        else:
            payload[i:i] = data.draw(st.binary(min_size=1, max_size=12))
        if not payload:
            break
    read_or_value_error(migration_uri(bytes(payload)))


@given(st.text(max_size=200))
def test_fuzz_read_any_text(text):
    read_or_value_error(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_vaults(data):
    vault = plain_vault([dict(e) for e in ENTRIES[:3]])
    target = data.draw(st.sampled_from([vault, vault["header"], vault["db"], *vault["db"]["entries"]]))
    key = data.draw(st.sampled_from(sorted(target)) | st.text(max_size=5))
    target[key] = data.draw(json_values)
    read_or_value_error(json.dumps(vault))
    read_or_value_error(json.dumps(vault), password="pw")


@settings(max_examples=25)
@given(st.data())
def test_fuzz_mutated_encrypted_vault(data):
    vault = json.loads(ENCRYPTED)
    slot = vault["header"]["slots"][1]
    target = data.draw(
        st.sampled_from([vault, vault["header"], vault["header"]["params"], slot, slot["key_params"]])
    )
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(json_values | st.text("0123456789abcdef", max_size=70))
    read_or_value_error(json.dumps(vault), password="pw")


ENCRYPTED = independent_encrypt(plain_vault(ENTRIES[:2])["db"], "pw", n=2**10)
