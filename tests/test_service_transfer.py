"""``POST /api/v1/import`` and ``GET /api/v1/export`` over HTTP to a real ``pyotp-rs serve`` process."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PIL import Image
from pyotp_rs import HOTP, TOTP, transfer
from qrdecode import decode
from servicekit import ServiceProcess, run_pyotp_rs, service_env, start_service
from test_transfer import ENTRIES, independent_decrypt, independent_encrypt, plain_vault

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
OTHER = "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_service(tmp_path_factory.mktemp("transfer"))
    process.session.headers["Origin"] = process.url  # uploads come from the page, which names its origin
    yield process
    process.stop()


@pytest.fixture
def service(server: ServiceProcess) -> ServiceProcess:
    """The module's server with no tokens."""
    assert server.delete("/api/v1/tokens").status_code == 200
    return server


def tokens(service: ServiceProcess) -> list[dict]:
    return service.get("/api/v1/tokens").json()["data"]


def test_import_migration_text_creates_tokens(service: ServiceProcess) -> None:
    accounts = [
        TOTP(SECRET, name="alice@example.com", issuer="Example", digits=8),
        HOTP(OTHER, name="counter", issuer="Acme"),
        TOTP(OTHER, name="bob"),
    ]
    uris = transfer.write_migration(accounts, batch_id=4)
    response = service.post("/api/v1/import", json={"data": "\n".join(uris)})
    assert response.status_code == 201, response.text
    body = response.json()["data"]
    assert body["format"] == "migration" and body["warnings"] == []
    assert [(t["name"], t["issuer"], t["secret"], t["digits"]) for t in body["created"]] == [
        ("alice@example.com", "Example", SECRET, 8),
        ("counter", "Acme", OTHER, 6),
        ("bob", None, OTHER, 6),
    ]
    assert [(t.get("type"), t.get("counter")) for t in body["created"]] == [
        (None, None),
        ("hotp", 0),
        (None, None),
    ]
    assert body["skipped"] == [] and (body["new"], body["already_present"]) == (3, 0)
    assert [t["id"] for t in tokens(service)] == [t["id"] for t in body["created"]]
    token_id = body["created"][0]["id"]
    before = int(time.time())
    code = service.get(f"/api/v1/tokens/{token_id}/code").json()["data"]["code"]
    assert code in {pyotp.TOTP(SECRET, digits=8).at(before + d) for d in (0, 1)}


def test_import_uploaded_encrypted_vault(service: ServiceProcess) -> None:
    vault = independent_encrypt(plain_vault(ENTRIES)["db"], "s3cret", n=2**10).encode()
    wrong = service.post("/api/v1/import", files={"file": ("aegis.json", vault)}, data={"password": "x"})
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"success": False, "error": "wrong password for the Aegis vault"},
    )
    missing = service.post("/api/v1/import", files={"file": ("aegis.json", vault)})
    assert missing.json()["error"] == "the Aegis vault is encrypted: a password is needed"
    response = service.post(
        "/api/v1/import", files={"file": ("aegis.json", vault)}, data={"password": "s3cret"}
    )
    assert response.status_code == 201, response.text
    body = response.json()["data"]
    assert [
        (t["name"], t["digits"], t["period"], t["algorithm"], t.get("counter")) for t in body["created"]
    ] == [
        ("alice", 6, 30, "sha1", None),
        ("bob", 8, 30, "sha512", 5),
        ("long", 7, 60, "sha256", None),
        ("short", 6, 30, "sha1", None),
    ]
    assert [(s["label"], s["reason"]) for s in body["skipped"]] == [
        ("Steam:gaben", "Steam accounts cannot be stored: the service holds TOTP and HOTP tokens"),
        ("m", 'unsupported type "motp"'),
        ("y", 'unsupported type "yandex"'),
        ("Example:md5", "unsupported algorithm MD5"),
    ]
    assert tokens(service) == body["created"]


def test_import_team_secrets_json_sets_up_users(service: ServiceProcess) -> None:
    secrets = json.dumps({"alice": SECRET, "carol": "not base32!"})
    response = service.post("/api/v1/import", data=secrets, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    body = response.json()["data"]
    assert body["format"] == "team" and body["created"] == [{"username": "alice"}]
    assert body["skipped"] == [{"label": "carol", "reason": "Non-base32 digit found"}]
    before = int(time.time())
    code = service.get("/get-totp/alice").json()["totp"]
    assert code in {pyotp.TOTP(SECRET).at(before + d) for d in (0, 1)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": b""}, "Nothing to import"),
        ({"data": b"hello"}, "unrecognised input"),
        (
            {"json": {"data": "otpauth-migration://offline?data=%%"}},
            "the otpauth-migration data is not base64",
        ),
        (
            {"data": b"\xff\xfe"},
            "the input is binary, read as an encrypted andOTP backup: a password is needed",
        ),
    ],
)
def test_bad_imports_are_400(service: ServiceProcess, kwargs: dict, message: str) -> None:
    response = service.post("/api/v1/import", **kwargs)
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["error"].startswith(message)


def test_export_every_format_reads_back(service: ServiceProcess) -> None:
    for name, secret, period in [("alice", SECRET, 30), ("bob", OTHER, 30)]:
        created = service.post("/api/v1/tokens", json={"name": name, "secret": secret, "period": period})
        assert created.status_code == 201
    expected = [("alice", "TOTPHog", base64.b32decode(SECRET)), ("bob", "TOTPHog", base64.b32decode(OTHER))]

    def read_back(report: transfer.ImportReport) -> list[tuple]:
        return [(a.name, a.issuer, a.otp.byte_secret()) for a in report.accounts]

    uris = service.get("/api/v1/export", params={"format": "uris"})
    assert uris.headers["Content-Type"].startswith("text/plain")
    assert read_back(transfer.read(uris.text)) == expected
    portable = service.get("/api/v1/export", params={"format": "portable-uris"}).text
    assert read_back(transfer.read(portable)) == expected
    assert all("&algorithm=SHA1&digits=6&period=30" in line for line in portable.splitlines())
    migration = service.get("/api/v1/export", params={"format": "migration"}).json()["data"]
    assert read_back(transfer.read("\n".join(migration["uris"]))) == expected
    png = base64.b64decode(migration["qr_codes"][0].split(",", 1)[1])
    path = Path(service.db).with_name("code.png")
    path.write_bytes(png)
    with Image.open(path) as image:
        assert decode(image) == migration["uris"][0]
    vault = service.get("/api/v1/export", params={"format": "aegis"}, headers={"X-Export-Password": "pw"})
    db = independent_decrypt(vault.text, "pw")
    assert [(e["name"], e["issuer"], e["info"]["secret"]) for e in db["entries"]] == [
        ("alice", "TOTPHog", SECRET),
        ("bob", "TOTPHog", OTHER),
    ]
    bad = service.get("/api/v1/export", params={"format": "zip"})
    assert (bad.status_code, bad.json()["error"]) == (
        400,
        "format must be one of uris, portable-uris, migration, aegis",
    )


def test_export_lists_what_the_format_cannot_hold(service: ServiceProcess) -> None:
    service.post("/api/v1/tokens", json={"name": "slow", "secret": SECRET, "period": 60})
    response = service.get("/api/v1/export", params={"format": "migration"})
    assert response.status_code == 200
    assert response.json()["data"] == {
        "uris": [],
        "qr_codes": [],
        "count": 0,
        "skipped": [
            {
                "label": "TOTPHog:slow",
                "reason": "a 60-second period: Google Authenticator migrations carry only 30",
            }
        ],
    }


def test_import_and_export_need_the_api_token_when_auth_is_on(tmp_path: Path) -> None:
    server = start_service(tmp_path)
    try:
        created = run_pyotp_rs("api-token", "create", "ci", "--db", str(server.db), env=service_env(tmp_path))
        bearer = {"Authorization": f"Bearer {created.stdout.strip()}"}
        uri = f"otpauth://totp/alice?secret={SECRET}"
        assert server.post("/api/v1/import", json={"data": uri}).status_code == 401
        assert server.get("/api/v1/export", params={"format": "uris"}).status_code == 401
        assert server.post("/api/v1/import", json={"data": uri}, headers=bearer).status_code == 201
        exported = server.get("/api/v1/export", params={"format": "uris"}, headers=bearer)
        assert exported.text == f"otpauth://totp/alice?secret={SECRET}\n"
    finally:
        server.stop()
