"""Issue 24's service items, over HTTP to a real ``pyotp-rs serve`` on SQLite and PostgreSQL.

Input that used to answer 500 (lone surrogates, ``--6``, labels too long for a QR code), bidi
overrides in labels, non-ASCII export passwords, team API path aliases, exports with tokens the
format cannot hold, one unreadable row, the TOTPHog health answer, and the default issuer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyotp
import pytest
from qrdecode import decode, open_png
from servicekit import ENGINES, ServiceProcess, new_database, start_service

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
OTHER = "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module", params=ENGINES)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module, on each engine in turn."""
    directory = tmp_path_factory.mktemp("hardening")
    process = start_service(directory, db=new_database(request.param, directory, request), workers=2)
    yield process
    process.stop()


@pytest.fixture
def service(server: ServiceProcess) -> ServiceProcess:
    """The module's server with no tokens."""
    assert server.delete("/api/v1/tokens").status_code == 200
    return server


def create(service: ServiceProcess, **body: object) -> dict:
    response = service.post("/api/v1/tokens", json={"name": "alice", "secret": SECRET, **body})
    assert response.status_code == 201, response.text
    return response.json()["data"]


@pytest.mark.parametrize("field", ["name", "issuer"])
def test_a_lone_surrogate_in_a_label_is_a_400(service: ServiceProcess, field: str) -> None:
    body = json.dumps({"name": "alice", "secret": SECRET, field: "a\ud800b"})
    response = service.post("/api/v1/tokens", data=body, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": f"{field} must be valid Unicode text: it holds a lone surrogate",
    }
    uri = json.dumps({"uri": f"otpauth://totp/ACME:a%ED%A0%80?secret={SECRET}&issuer=ACME"})
    assert service.post("/api/v1/tokens", data=uri, headers=JSON).status_code in (201, 400)
    assert service.get("/api/v1/tokens").status_code == 200


def test_a_lone_surrogate_in_a_username_or_secret_is_a_400(service: ServiceProcess) -> None:
    response = service.post("/setup", data=json.dumps({"username": "\udfff", "secret": SECRET}), headers=JSON)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "username must be valid Unicode text: it holds a lone surrogate"},
    )
    response = service.post(
        "/setup", data=json.dumps({"username": "bob", "secret": SECRET[:-1] + "\ud800"}), headers=JSON
    )
    assert response.status_code == 400 and "error" in response.json()
    response = service.post(
        "/api/v1/tokens", data=json.dumps({"name": "bob", "secret": "\ud800" * 20}), headers=JSON
    )
    assert response.status_code == 400 and response.json()["success"] is False


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"digits": "--6"}, "digits must be 6 or 8, not '--6'"),
        ({"period": "--30"}, "period must be an integer from 10 to 120 seconds, not '--30'"),
        ({"period": "+-30"}, "period must be an integer from 10 to 120 seconds, not '+-30'"),
        ({"digits": "9" * 30}, f"digits must be 6 or 8, not '{'9' * 30}'"),
    ],
)
def test_enrolment_integers_that_int_cannot_read_are_400(
    service: ServiceProcess, params: dict[str, str], message: str
) -> None:
    response = service.get(
        "/v1/auth/totp-generate", params={"issuer": "ACME", "account_name": "alice", **params}
    )
    assert (response.status_code, response.json()) == (400, {"error": message})


def test_an_enrolment_too_long_for_a_qr_code_is_a_400(service: ServiceProcess) -> None:
    response = service.get(
        "/v1/auth/totp-generate", params={"issuer": "I" * 1100, "account_name": "a" * 1100}
    )
    assert response.status_code == 400
    assert "too long for a QR code" in response.json()["error"]
    fits = service.get("/v1/auth/totp-generate", params={"issuer": "I" * 256, "account_name": "alice"})
    assert fits.status_code == 200


def test_a_label_whose_qr_code_cannot_be_drawn_is_refused_at_creation(service: ServiceProcess) -> None:
    label = "é" * 256
    response = service.post("/api/v1/tokens", json={"name": label, "secret": SECRET, "issuer": "ж" * 256})
    assert response.status_code == 400
    assert "too long for a QR code" in response.json()["error"]
    response = service.post("/setup", json={"username": "ж" * 256 + "x", "secret": SECRET})
    assert response.status_code == 400
    assert service.get("/api/v1/tokens").json()["count"] == 0
    # What is accepted is always rendered.
    token = create(service, name="é" * 256, issuer="ACME")
    qr = service.get(f"/api/v1/tokens/{token['id']}/qr")
    assert qr.status_code == 200
    otp = pyotp.parse_uri(decode(open_png(qr.content)))
    assert (otp.name, otp.issuer, otp.secret) == ("é" * 256, "ACME", SECRET)


@pytest.mark.parametrize("override", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f"])
def test_bidi_controls_in_labels_are_refused(service: ServiceProcess, override: str) -> None:
    for field in ("name", "issuer"):
        response = service.post(
            "/api/v1/tokens", json={"name": "alice", "secret": SECRET, field: f"gpj{override}exe"}
        )
        assert response.status_code == 400
        assert response.json()["error"].startswith(
            f"{field} must not contain bidirectional control characters"
        )
    uri = f"otpauth://totp/ACME:ali{override}ce?secret={SECRET}&issuer=ACME"
    assert service.post("/api/v1/tokens", json={"uri": uri}).status_code == 400
    response = service.post("/setup", json={"username": f"ali{override}ce", "secret": SECRET})
    assert response.status_code == 400
    assert service.get("/api/v1/tokens").json()["count"] == 0
    # Right-to-left text itself is welcome.
    assert create(service, name="שלום")["name"] == "שלום"


def test_a_non_ascii_export_password_is_refused(service: ServiceProcess) -> None:
    create(service)
    response = service.get(
        "/api/v1/export", params={"format": "aegis"}, headers={"X-Export-Password": "pässwörd".encode()}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("X-Export-Password must be ASCII")
    vault = service.get("/api/v1/export", params={"format": "aegis"}, headers={"X-Export-Password": "ascii"})
    assert vault.status_code == 200 and json.loads(vault.text)["header"]["slots"]


def test_team_usernames_are_taken_exactly_as_sent(service: ServiceProcess) -> None:
    assert service.post("/setup", json={"username": "alice", "secret": SECRET}).status_code == 200
    for path in ("/get-totp//alice", "/get-totp/%2Falice"):
        response = service.get(path, allow_redirects=False)
        assert (response.status_code, json.loads(response.text)) == (404, {"error": "User not found"})
    assert service.post("/setup", json={"username": "/alice", "secret": OTHER}).status_code == 200
    for path in ("/get-totp//alice", "/get-totp/%2Falice"):
        response = service.get(path, allow_redirects=False)
        assert response.status_code == 200
        body = json.loads(response.text)
        assert body["username"] == "/alice"
        assert body["totp"] in {pyotp.TOTP(OTHER).now(), pyotp.TOTP(OTHER).at(pyotp.TOTP(OTHER).timecode(0))}
    alice = json.loads(service.get("/get-totp/alice").text)
    assert alice["username"] == "alice"


def test_export_leaves_out_what_the_format_cannot_hold(service: ServiceProcess) -> None:
    plain = create(service, name="plain")
    create(service, name="ten", digits=10)
    create(service, name="minute", period=60)
    uris = service.get("/api/v1/export", params={"format": "uris"})
    assert uris.status_code == 200
    lines = uris.text.splitlines()
    assert [pyotp.parse_uri(line).name for line in lines] == ["plain", "minute"]
    assert json.loads(uris.headers["X-Export-Skipped"]) == [
        {"label": "TOTPHog:ten", "reason": "10 digits: otpauth URIs carry only 6, 7 or 8"}
    ]
    migration = service.get("/api/v1/export", params={"format": "migration"})
    assert migration.status_code == 200
    data = migration.json()["data"]
    assert data["count"] == 1 and len(data["uris"]) == 1
    assert data["skipped"] == [
        {"label": "TOTPHog:ten", "reason": "10 digits: Google Authenticator migrations carry only 6 or 8"},
        {
            "label": "TOTPHog:minute",
            "reason": "a 60-second period: Google Authenticator migrations carry only 30",
        },
    ]
    imported = service.post("/api/v1/import", json={"data": data["uris"][0]}).json()["data"]
    assert (imported["created"], imported["already_present"]) == ([], 1)  # the same account: not twice
    assert service.delete("/api/v1/tokens").status_code == 200
    imported = service.post("/api/v1/import", json={"data": data["uris"][0]}).json()["data"]
    assert [token["name"] for token in imported["created"]] == [plain["name"]]


def corrupt(service: ServiceProcess, token_id: str, other_id: str) -> None:
    """Gives ``token_id`` the ciphertext of ``other_id`` (bound to the other row: it no longer decrypts)."""
    (sealed,) = service.sql("SELECT secret_sealed FROM tokens WHERE id = :id", id=other_id)[0]
    service.sql("UPDATE tokens SET secret_sealed = :sealed WHERE id = :id", sealed=sealed, id=token_id)
    service.sql("UPDATE generations SET value = value + 1 WHERE name = 'tokens'")


def test_one_unreadable_row_is_left_out_and_counted(service: ServiceProcess) -> None:
    good, bad = create(service, name="good"), create(service, name="bad", secret=OTHER)
    assert service.get("/api/v1/health").json()["unreadable_tokens"] == 0
    corrupt(service, bad["id"], good["id"])
    for path in ("/api/v1/tokens", "/api/v1/codes", "/api/v1/codes/next", "/api/v1/export?format=uris"):
        response = service.get(path)
        assert response.status_code == 200, (path, response.text)
    assert [token["id"] for token in service.get("/api/v1/tokens").json()["data"]] == [good["id"]]
    assert [token["id"] for token in service.get("/api/v1/codes").json()["data"]] == [good["id"]]
    assert [token["id"] for token in service.get("/api/v1/codes/next").json()["data"]] == [good["id"]]
    assert service.get("/api/v1/export?format=uris").text.count("otpauth://") == 1
    assert service.get("/api/v1/health").json()["unreadable_tokens"] == 1
    assert service.get(f"/api/v1/tokens/{bad['id']}").status_code == 500
    assert service.delete(f"/api/v1/tokens/{bad['id']}").status_code == 200
    assert service.get("/api/v1/health").json()["unreadable_tokens"] == 0


def test_default_issuer_is_configurable(service_factory) -> None:
    acme = service_factory("--default-issuer", "Acme Corp")
    assert create(acme)["issuer"] == "Acme Corp"
    assert create(acme, issuer="Other")["issuer"] == "Other"
    token = create(acme, name="bob")
    qr = acme.get(f"/api/v1/tokens/{token['id']}/qr")
    assert pyotp.parse_uri(decode(open_png(qr.content))).issuer == "Acme Corp"
    acme.stop()
    none = service_factory("--default-issuer", "")
    assert create(none)["issuer"] is None
    none.stop()
    default = service_factory()
    assert create(default)["issuer"] == "TOTPHog"
