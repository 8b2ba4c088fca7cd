"""Reading other authenticators' exports (``pyotp_rs.transfer.read``): 2FAS, andOTP, Bitwarden,
FreeOTP+, Proton Authenticator, Stratum, 2FAuth, Ente Auth and otpauth lists.

Every export is built here from one table of accounts, following each app's documented layout;
the encrypted ones with an independent implementation (``hashlib`` PBKDF2/SHA-256 and
``cryptography``'s AES-GCM). Each imported account's codes are checked against pyotp at a fixed
time (HOTP at its counter, Steam's five characters)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import urllib.parse

import pyotp
import pyotp.contrib
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from gil import stall
from PIL import Image
from pyotp_rs import TOTP, DecryptionError, qr, transfer
from test_cli import assert_one_line_error, run
from test_transfer import OtpParameters, Payload, independent_encrypt, migration_uri, plain_vault

NOW = 1_700_000_000
PASSWORD = "correct horse"


def secret(n: int) -> str:
    """A 160-bit base32 secret, distinct for each ``n``."""
    return base64.b32encode(hashlib.sha1(b"vector %d" % n).digest()).decode()


# kind, secret, issuer, name, algorithm, digits, period, counter
VECTORS = [
    ("totp", secret(1), "Deno", "mason", "SHA1", 6, 30, 0),
    ("totp", secret(2), "SPDX", "james", "SHA256", 7, 20, 0),
    ("totp", secret(3), "Airbnb", "elijah", "SHA512", 8, 50, 0),
    ("hotp", secret(4), "Issuu", "james", "SHA1", 6, 30, 1),
    ("hotp", secret(5), "Air Canada", "benjamin", "SHA256", 7, 30, 50),
    ("hotp", secret(6), "WWE", "mason", "SHA512", 8, 30, 10300),
    ("steam", secret(7), "Boeing", "sophia", "SHA1", 5, 30, 0),
]
TOTPS = [v for v in VECTORS if v[0] == "totp"]


def expected_code(vector: tuple) -> str:
    kind, key, _, _, algorithm, digits, period, counter = vector
    digest = getattr(hashlib, algorithm.lower())
    if kind == "hotp":
        return pyotp.HOTP(key, digits=digits, digest=digest).at(counter)
    if kind == "steam":
        return pyotp.contrib.Steam(key).at(NOW)
    return pyotp.TOTP(key, digits=digits, digest=digest, interval=period).at(NOW)


def check(report: transfer.ImportReport, fmt: str, vectors: list = VECTORS) -> None:
    """Every vector imported, in order, with its type, names and code; nothing skipped."""
    assert report.format == fmt
    assert report.skipped == []
    assert len(report.accounts) == len(vectors)
    for account, vector in zip(report.accounts, vectors):
        kind, key, issuer, name = vector[:4]
        assert (account.type, account.issuer, account.name) == (kind, issuer, name)
        assert account.otp.secret == key
        code = account.otp.at(0) if kind == "hotp" else account.otp.at(NOW)
        assert code == expected_code(vector), account.label


def uri(vector: tuple, *, steam_host: bool = True, lower: bool = False, extra: str = "") -> str:
    """The otpauth URI other apps write: explicit parameters, ``otpauth://steam/`` for Steam."""
    kind, key, issuer, name, algorithm, digits, period, counter = vector
    host = "steam" if kind == "steam" and steam_host else "totp" if kind == "steam" else kind
    label = urllib.parse.quote(f"{issuer}:{name}")
    params = {"secret": key, "issuer": issuer, "algorithm": algorithm.lower() if lower else algorithm}
    params["digits"] = str(digits)
    params["counter" if kind == "hotp" else "period"] = str(counter if kind == "hotp" else period)
    if kind == "steam" and not steam_host:
        params["encoder"] = "steam"
    return f"otpauth://{host}/{label}?{urllib.parse.urlencode(params)}{extra}"


# -- 2FAS -------------------------------------------------------------------------------------


def twofas_service(vector: tuple, schema: int, group: str | None = None) -> dict:
    kind, key, issuer, name, algorithm, digits, period, counter = vector
    otp: dict = {"account": name, "issuer": issuer, "label": f"{issuer}:{name}"}
    if schema > 1:
        otp.update(digits=digits, algorithm=algorithm, tokenType=kind.upper(), source="Link")
        otp["link"] = uri(vector)
        if kind == "hotp":
            otp["counter"] = counter
        else:
            otp["period"] = period
    service = {"name": issuer, "secret": key, "updatedAt": 1, "otp": otp, "order": {"position": 0}}
    if group:
        service["groupId"] = group
    return service


def twofas_backup(services: list, schema: int = 4, password: str | None = None, groups=()) -> str:
    backup = {
        "services": services,
        "groups": list(groups),
        "updatedAt": 1,
        "schemaVersion": schema,
        "appVersionCode": 5000009,
        "appVersionName": "5.1.0",
        "appOrigin": "android",
    }
    if password is not None:

        def seal(plain: bytes, salt: bytes) -> str:
            key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000, 32)
            iv = os.urandom(12)
            sealed = AESGCM(key).encrypt(iv, plain, None)
            return ":".join(base64.b64encode(part).decode() for part in (sealed, salt, iv))

        salt = os.urandom(256)
        backup["servicesEncrypted"] = seal(json.dumps(services).encode(), salt)
        backup["reference"] = seal(b"a known text", salt)
        backup["services"] = []
    return json.dumps(backup)


@pytest.mark.parametrize("schema", [2, 3, 4])
def test_2fas_plain_schemas(schema):
    check(transfer.read(twofas_backup([twofas_service(v, schema) for v in VECTORS], schema)), "2fas")


def test_2fas_schema_1_is_totp_with_defaults():
    plain = [("totp", key, issuer, name, "SHA1", 6, 30, 0) for _, key, issuer, name, *_ in VECTORS]
    backup = twofas_backup([twofas_service(v, 1) for v in plain], schema=1)
    check(transfer.read(backup), "2fas", plain)


def test_2fas_encrypted_with_groups():
    groups = [{"id": "g1", "name": "Work", "isExpanded": True}]
    services = [twofas_service(v, 4, "g1" if i == 0 else None) for i, v in enumerate(VECTORS)]
    backup = twofas_backup(services, password=PASSWORD, groups=groups)
    report = transfer.read(backup.encode(), password=PASSWORD)
    check(report, "2fas")
    assert [a.groups for a in report.accounts] == [("Work",)] + [()] * 6
    with pytest.raises(DecryptionError, match="wrong password for the 2FAS backup"):
        transfer.read(backup, password="wrong")
    with pytest.raises(DecryptionError, match="the 2FAS backup is encrypted: a password is needed"):
        transfer.read(backup)
    broken = json.loads(backup)
    broken["servicesEncrypted"] = "abc"
    with pytest.raises(ValueError, match="not a valid encrypted 2FAS backup"):
        transfer.read(json.dumps(broken), password=PASSWORD)


# -- andOTP -----------------------------------------------------------------------------------


def andotp_item(vector: tuple, *, old_label: bool = False) -> dict:
    kind, key, issuer, name, algorithm, digits, period, counter = vector
    item = {
        "secret": key + "=" * (-len(key) % 8),
        "issuer": "" if old_label else issuer,
        "label": f"{issuer}:{name}" if old_label else name,
        "digits": digits,
        "type": kind.upper(),
        "algorithm": algorithm,
        "thumbnail": "Default",
        "last_used": 1,
        "used_frequency": 0,
        "tags": [],
    }
    item["counter" if kind == "hotp" else "period"] = counter if kind == "hotp" else period
    return item


def andotp_encrypt(plain: bytes, password: str, iterations: int | None) -> bytes:
    """andOTP's current format (PBKDF2-SHA1 with ``iterations``), or the old one (``None``)."""
    nonce = os.urandom(12)
    if iterations is None:
        key = hashlib.sha256(password.encode()).digest()
        return nonce + AESGCM(key).encrypt(nonce, plain, None)
    salt = os.urandom(12)
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, iterations, 32)
    return iterations.to_bytes(4, "big") + salt + nonce + AESGCM(key).encrypt(nonce, plain, None)


def test_andotp_plain_is_not_taken_for_totphog():
    """The regression of issue 25: andOTP's HOTP accounts became TOTP ones with other codes."""
    report = transfer.read(json.dumps([andotp_item(v) for v in VECTORS]))
    check(report, "andotp")
    assert [a.type for a in report.accounts].count("hotp") == 3


def test_andotp_old_labels_carry_the_issuer():
    check(transfer.read(json.dumps([andotp_item(v, old_label=True) for v in VECTORS])), "andotp")


@pytest.mark.parametrize("iterations", [None, 1000, 140_000])
def test_andotp_encrypted_both_formats(iterations):
    data = andotp_encrypt(json.dumps([andotp_item(v) for v in VECTORS]).encode(), PASSWORD, iterations)
    check(transfer.read(data, password=PASSWORD), "andotp")
    with pytest.raises(DecryptionError, match="wrong password for the andOTP backup"):
        transfer.read(data, password="wrong")
    with pytest.raises(DecryptionError, match="read as an encrypted andOTP backup: a password is needed"):
        transfer.read(data)


def test_andotp_iterations_are_bounded_before_any_work():
    data = andotp_encrypt(b"[]", PASSWORD, 1000)
    hostile = (2**32 - 1).to_bytes(4, "big") + data[4:]
    with pytest.raises(DecryptionError, match="4294967295 PBKDF2 iterations, over the 2000000 accepted"):
        transfer.read(hostile, password=PASSWORD)


def test_kdf_work_runs_without_the_gil():
    data = andotp_encrypt(b"[]", PASSWORD, 2_000_000)
    took, longest = stall(lambda: transfer.read(data, password=PASSWORD))
    assert longest < took / 2, (took, longest)


# -- Bitwarden --------------------------------------------------------------------------------


def bitwarden_item(vector: tuple, folder: str | None = None) -> dict:
    kind, key, issuer, name = vector[:4]
    totp = f"steam://{key}" if kind == "steam" else uri(vector)
    username = name if kind == "steam" else None
    login = {"uris": None, "username": username, "password": None, "totp": totp}
    item_name = issuer
    return {"id": key, "folderId": folder, "type": 1, "name": item_name, "notes": None, "login": login}


BITWARDEN_TOTPS = [v for v in VECTORS if v[0] != "hotp"]  # Bitwarden has no HOTP


def test_bitwarden_json_with_folders_and_password_only_items():
    items = [bitwarden_item(v, "f1" if i == 1 else None) for i, v in enumerate(BITWARDEN_TOTPS)]
    items.append({"id": "x", "type": 1, "name": "mail", "login": {"username": "a", "totp": None}})
    items.append({"id": "y", "type": 2, "name": "a note", "secureNote": {"type": 0}})
    export = {"encrypted": False, "folders": [{"id": "f1", "name": "Finance"}], "items": items}
    report = transfer.read(json.dumps(export))
    check(report, "bitwarden", BITWARDEN_TOTPS)
    assert [a.groups for a in report.accounts] == [(), ("Finance",), (), ()]
    assert report.warnings == ("2 item(s) without a TOTP left out",)


def test_bitwarden_authenticator_json_and_bare_secrets():
    vector = ("totp", secret(9), "GitHub", "octo", "SHA1", 6, 30, 0)
    items = [bitwarden_item(v) for v in BITWARDEN_TOTPS]
    items.append({"id": "z", "name": "GitHub", "login": {"username": "octo", "totp": secret(9).lower()}})
    report = transfer.read(json.dumps({"encrypted": False, "items": items}))
    check(report, "bitwarden", [*BITWARDEN_TOTPS, vector])


def test_bitwarden_encrypted_export_is_refused_clearly():
    export = {"encrypted": True, "passwordProtected": True, "salt": "x", "kdfType": 0, "data": "2.x|y|z"}
    with pytest.raises(ValueError, match="encrypted Bitwarden export: export the vault again as unencrypted"):
        transfer.read(json.dumps(export))


def test_bitwarden_csv():
    out = io.StringIO()
    columns = ["folder", "favorite", "type", "name", "notes", "fields", "reprompt", "login_uri"]
    columns += ["login_username", "login_password", "login_totp"]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for i, vector in enumerate(BITWARDEN_TOTPS):
        item = bitwarden_item(vector)
        writer.writerow(
            {
                "folder": "Finance, old" if i == 0 else "",
                "type": "login",
                "name": item["name"],
                "login_username": item["login"]["username"] or "",
                "login_totp": item["login"]["totp"],
            }
        )
    writer.writerow({"type": "login", "name": "mail", "login_username": "a", "login_password": "pw"})
    report = transfer.read(out.getvalue().encode())
    check(report, "bitwarden-csv", BITWARDEN_TOTPS)
    assert report.accounts[0].groups == ("Finance, old",)
    assert report.warnings == ("1 row(s) without a TOTP left out",)


# -- FreeOTP+, Proton, Stratum, 2FAuth, Ente ----------------------------------------------------


def test_freeotp_plus_signed_bytes_and_counter():
    """FreeOTP stores the HOTP counter it last used: the next code is at one more."""
    tokens = []
    for kind, key, issuer, name, algorithm, digits, period, counter in VECTORS[:6]:
        raw = base64.b32decode(key)
        tokens.append(
            {
                "algo": algorithm,
                "counter": max(counter - 1, 0) if kind == "hotp" else 0,
                "digits": digits,
                "issuerExt": issuer,
                "issuerInt": issuer,
                "label": name,
                "period": period,
                "secret": [b - 256 if b > 127 else b for b in raw],
                "type": kind.upper(),
            }
        )
    tokens[3]["counter"] = 0  # Issuu's counter 1: FreeOTP stored 0
    export = {"tokenOrder": [f"{t['issuerExt']}:{t['label']}" for t in tokens], "tokens": tokens}
    check(transfer.read(json.dumps(export)), "freeotp+", VECTORS[:6])


def test_proton_authenticator():
    entries = [
        {
            "id": str(i),
            "content": {"uri": uri(v), "entry_type": "Steam" if v[0] == "steam" else "Totp", "name": v[3]},
            "note": None,
        }
        for i, v in enumerate(v for v in VECTORS if v[0] != "hotp")
    ]
    check(transfer.read(json.dumps({"version": 1, "entries": entries})), "proton", BITWARDEN_TOTPS)


def test_stratum_with_categories_and_skipped_types():
    kinds = {"hotp": 1, "totp": 2, "steam": 4}
    algorithms = {"SHA1": 0, "SHA256": 1, "SHA512": 2}
    authenticators = [
        {
            "Type": kinds[kind],
            "Icon": None,
            "Issuer": issuer,
            "Username": name,
            "Secret": key,
            "Pin": None,
            "Algorithm": algorithms[algorithm],
            "Digits": digits,
            "Period": period,
            "Counter": counter,
            "Ranking": 0,
        }
        for kind, key, issuer, name, algorithm, digits, period, counter in VECTORS
    ]
    motp = {"Type": 3, "Issuer": "M", "Username": "m", "Secret": "abcdef", "Pin": "1234"}
    backup = {
        "Authenticators": [*authenticators, motp],
        "Categories": [{"Id": "c1", "Name": "Travel", "Ranking": 0}],
        "AuthenticatorCategories": [{"CategoryId": "c1", "AuthenticatorSecret": secret(5), "Ranking": 0}],
        "CustomIcons": [],
    }
    report = transfer.read(json.dumps(backup))
    assert [(e.label, e.reason) for e in report.skipped] == [
        ("M:m", "unsupported type mOTP: not an RFC 6238 or Steam code")
    ]
    check(transfer.ImportReport(report.format, report.entries[:-1]), "stratum")
    assert report.accounts[4].groups == ("Travel",)


def test_2fauth_with_steamtotp_and_lowercase_algorithms():
    data = [
        {
            "otp_type": "steamtotp" if kind == "steam" else kind,
            "account": name,
            "service": issuer,
            "icon": None,
            "secret": key,
            "digits": digits,
            "algorithm": algorithm.lower(),
            "period": None if kind == "hotp" else period,
            "counter": counter if kind == "hotp" else None,
            "legacy_uri": uri((kind, key, issuer, name, algorithm, digits, period, counter), lower=True),
            "group": "Games" if kind == "steam" else None,
        }
        for kind, key, issuer, name, algorithm, digits, period, counter in VECTORS
    ]
    export = {"app": "2fauth_v5.4.1", "schema": 1, "datetime": "2024-01-01T00:00:00Z", "data": data}
    report = transfer.read(json.dumps(export))
    check(report, "2fauth")
    assert report.accounts[-1].groups == ("Games",)
    plain = "\n".join(item["legacy_uri"] for item in data)
    check(transfer.read(plain), "uris")


def test_ente_plain_export_with_code_display_tags():
    display = urllib.parse.quote(json.dumps({"pinned": False, "trashed": False, "tags": ["Travel"]}))
    lines = [uri(v, lower=True, extra=f"&codeDisplay={display}") for v in VECTORS]
    report = transfer.read("\n".join(lines) + "\n")
    check(report, "uris")
    assert {a.groups for a in report.accounts} == {("Travel",)}


def test_uri_lists_accept_steam_hosts_and_lowercase_but_parse_uri_stays_pyotps():
    lines = [uri(v, lower=True) for v in VECTORS] + [uri(VECTORS[-1], steam_host=False)]
    check(transfer.read("\n".join(lines)), "uris", [*VECTORS, VECTORS[-1]])
    for module in (pyotp, __import__("pyotp_rs")):
        with pytest.raises(ValueError):
            module.parse_uri(uri(VECTORS[0], lower=True))


# -- Aegis groups and the bounded scrypt work ---------------------------------------------------


def test_aegis_groups_v3_and_v2():
    vault = plain_vault(
        [
            {
                "type": "totp",
                "name": "a",
                "issuer": "X",
                "groups": ["u1", "u2", "gone"],
                "info": {"secret": secret(1), "algo": "SHA1", "digits": 6, "period": 30},
            },
            {
                "type": "totp",
                "name": "b",
                "issuer": "X",
                "group": "Old",
                "info": {"secret": secret(2), "algo": "SHA1", "digits": 6, "period": 30},
            },
        ]
    )
    vault["db"]["groups"] = [{"uuid": "u1", "name": "Work"}, {"uuid": "u2", "name": "Home"}]
    report = transfer.read(json.dumps(vault))
    assert [a.groups for a in report.accounts] == [("Work", "Home"), ("Old",)]
    again = transfer.read(transfer.write_aegis(report.accounts))
    assert [a.groups for a in again.accounts] == [("Work", "Home"), ("Old",)]


def test_aegis_vault_with_many_slots_is_refused_before_any_work():
    """Issue 24.4: 158 password slots (of which one real) once took 45 minutes of scrypt."""
    vault = json.loads(independent_encrypt(plain_vault([])["db"], PASSWORD, n=2**10))
    (slot,) = [s for s in vault["header"]["slots"] if s["type"] == 1]
    vault["header"]["slots"] = [dict(slot, n=2**18, r=8, p=16) for _ in range(157)] + [slot]
    with pytest.raises(ValueError, match="too much scrypt work: 158 password slot"):
        transfer.read(json.dumps(vault), password=PASSWORD)
    vault["header"]["slots"] = [dict(slot, n=2**17, r=8, p=2)] * 2 + [slot]
    with pytest.raises(ValueError, match=r"3 password slot\(s\) costing n\*r\*p = 4202496"):
        transfer.read(json.dumps(vault), password=PASSWORD)
    vault["header"]["slots"] = [slot] * 4
    assert transfer.read(json.dumps(vault), password=PASSWORD).format == "aegis"


# -- Detection never guesses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"services": []},
        {"items": []},
        {"tokens": []},
        {"entries": [{"uri": "x"}], "version": 1},
        [{"secret": "A", "type": "TOTP"}, {"secret": "B", "name": "x"}],
        [1, 2],
        {"a": 1},
    ],
)
def test_documents_matching_no_format_are_refused_with_the_list(document):
    with pytest.raises(
        ValueError, match="unrecognised JSON: it matches none of the formats read: .*2FAS.*andOTP"
    ):
        transfer.read(json.dumps(document))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s["otp"].update(digits="6"), "digits is not an integer"),
        (lambda s: s["otp"].update(counter=True), "counter is not an integer"),
        (lambda s: s["otp"].update(tokenType=["TOTP"]), "tokenType is not a string"),
        (lambda s: s["otp"].update(tokenType="YANDEX"), "unsupported type YANDEX"),
        (lambda s: s["otp"].update(algorithm="MD5"), "unsupported algorithm MD5"),
        (lambda s: s.update(secret=12), "secret is not a string"),
        (lambda s: s.update(otp=[]), "otp is not an object"),
    ],
)
def test_a_member_of_the_wrong_type_is_a_skipped_entry(change, reason):
    services = [twofas_service(v, 4) for v in VECTORS[:2]]
    change(services[1])
    report = transfer.read(twofas_backup(services))
    assert len(report.accounts) == 1
    assert [e.reason for e in report.skipped] == [reason]


def test_encrypted_exports_of_formats_not_read_are_named():
    ente = {"version": 1, "kdfParams": {"memLimit": 4096, "opsLimit": 3, "salt": "x"}, "encryptedData": "y"}
    with pytest.raises(ValueError, match="encrypted Ente Auth export .* is not read: export the codes"):
        transfer.read(json.dumps(ente))
    with pytest.raises(ValueError, match=r"encrypted Stratum \(Authenticator Pro\) backup is not read"):
        transfer.read(b"AUTHENTICATORPRO\xff" + os.urandom(64), password=PASSWORD)


# -- Issue 26: Google Authenticator names that already carry the issuer ------------------------


def test_migration_name_with_the_issuer_is_not_prefixed_twice():
    key = base64.b32decode(secret(1))
    params = [OtpParameters(secret=key, name="Acme:bob", issuer="Acme", type=2)]
    (account,) = transfer.read(migration_uri(Payload(otp_parameters=params).SerializeToString())).accounts
    assert (account.issuer, account.name, account.label) == ("Acme", "bob", "Acme:bob")


# -- Issue 24.1: a declared batch size is never materialised ------------------------------------


def test_huge_batch_size_under_an_address_space_limit():
    program = textwrap.dedent(
        """
        import resource
        from pyotp_rs import transfer
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        report = transfer.read("otpauth-migration://offline?data=GP////8H")
        print(report.warnings)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "declares 2147483647 QR codes, more than any real export" in result.stdout


def test_missing_batch_members_are_described_as_spans():
    def code(index: int, size: int) -> str:
        params = [OtpParameters(secret=b"k" * 20, name=f"n{index}")]
        payload = Payload(otp_parameters=params, batch_size=size, batch_index=index, batch_id=9)
        return migration_uri(payload.SerializeToString())

    report = transfer.read("\n".join(code(i, 12) for i in (0, 3, 4, 11, 11, 40)))
    assert report.warnings == (
        "export 9: QR code(s) 2-3, 6-11 of 12 missing",
        "export 9: QR code number(s) 41 outside the batch of 12",
        "export 9: QR code(s) 12 read twice",
    )


# -- Images --------------------------------------------------------------------------------------


def test_qr_screenshots_png_and_jpeg(tmp_path):
    uris = transfer.write_migration([TOTP(secret(1), name="alice", issuer="Example")], batch_id=5)
    png = qr.make(uris[0]).png()
    report = transfer.read(png)
    assert (report.format, [a.label for a in report.accounts]) == ("migration", ["Example:alice"])
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").resize((400, 400), Image.NEAREST).save(
        jpeg, "JPEG", quality=90
    )
    assert transfer.read(jpeg.getvalue()).accounts[0].otp.secret == secret(1)
    shot = tmp_path / "shot.png"
    shot.write_bytes(png)
    result = run("import", str(shot))
    assert result.returncode == 0 and result.stdout.startswith("migration: 1 account(s) imported")
    blank = io.BytesIO()
    Image.new("L", (50, 50), 255).save(blank, "PNG")
    with pytest.raises(ValueError, match="no QR code found in the image"):
        transfer.read(blank.getvalue())


def test_images_without_zxing_name_the_extra(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(qr.make("otpauth://totp/a?secret=" + secret(1)).png())
    program = textwrap.dedent(
        f"""
        import sys
        sys.modules["zxingcpp"] = None
        from pyotp_rs import transfer
        try:
            transfer.read(open({str(shot)!r}, "rb").read())
        except ImportError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=60
    )
    assert "pip install 'pyotp-rs[qr]'" in result.stdout, result.stderr
    sitecustomize = tmp_path / "site"
    sitecustomize.mkdir()
    (sitecustomize / "sitecustomize.py").write_text("import sys\nsys.modules['zxingcpp'] = None\n")
    path = os.pathsep.join([str(sitecustomize), os.environ.get("PYTHONPATH", "")])
    assert_one_line_error(
        run("import", str(shot), env={"PYTHONPATH": path}), 1, "reading QR codes from images needs"
    )


# -- The export every app reads ------------------------------------------------------------------


def test_portable_uris_read_back_by_the_apps_rules():
    accounts = transfer.read(json.dumps([andotp_item(v) for v in VECTORS])).accounts
    text = transfer.write_portable_uris(accounts)
    lines = text.splitlines()
    assert lines[-1].startswith("otpauth://steam/Boeing:sophia?")
    for line, vector in zip(lines, VECTORS):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(line).query)
        kind, key, issuer, _, algorithm, digits, period, counter = vector
        assert query["secret"] == [key] and query["issuer"] == [issuer]
        assert query["algorithm"] == [algorithm] and query["digits"] == [str(digits)]
        assert query["counter" if kind == "hotp" else "period"] == [
            str(counter if kind == "hotp" else period)
        ]
    check(transfer.read(text), "uris")
