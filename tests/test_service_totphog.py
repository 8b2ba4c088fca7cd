"""The TOTPHog API of ``pyotp-rs serve`` (``../shared/seeds/004``), over HTTP to a real server process.

Codes are checked against pyotp 2.12 and, for TOTPHog's own 80-bit example secret (which pyotp 2.12
refuses), against an RFC 6238 computation written out here with ``hmac``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pyotp
import pyotp_rs
import pytest
from qrdecode import decode, open_png
from servicekit import ENGINES, ServiceProcess, new_database, rfc6238, start_service

SHORT = "JBSWY3DPEHPK3PXP"  # TOTPHog's examples: 80 bits
LONG = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # 160 bits
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module, on each engine in turn."""
    directory = tmp_path_factory.mktemp("totphog")
    server = start_service(directory, db=new_database(request.param, directory, request), workers=2)
    yield server
    server.stop()


def timestamp(text: str) -> int:
    """Unix seconds of an ISO 8601 time that must carry an offset."""
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return int(moment.timestamp())


def create(service: ServiceProcess, **body: object) -> dict:
    response = service.post("/api/v1/tokens", json=body)
    assert response.status_code == 201, response.text
    payload = response.json()
    assert payload["success"] is True
    return payload["data"]


def assert_error(response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"success": False, "error": message}


def test_health_is_not_wrapped(service: ServiceProcess) -> None:
    response = service.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "service", "implementation", "version", "timestamp", "unreadable_tokens"}
    assert body["status"] == "ok"
    assert body["service"] == "TOTPHog" and body["implementation"] == "pyotp-rs"
    assert body["version"] == pyotp_rs.__version__
    assert abs(timestamp(body["timestamp"]) - datetime.now(timezone.utc).timestamp()) < 60


def test_create_manual_with_the_reference_example(service: ServiceProcess) -> None:
    token = create(service, name="GitHub", secret=SHORT)
    assert list(token) == [
        "id",
        "name",
        "secret",
        "issuer",
        "digits",
        "period",
        "algorithm",
        "created_at",
        "group",
    ]
    assert uuid.UUID(token["id"]).version == 4 and str(uuid.UUID(token["id"])) == token["id"]
    assert token | {"id": None, "created_at": None} == {
        "id": None,
        "name": "GitHub",
        "secret": SHORT,
        "issuer": "TOTPHog",
        "digits": 6,
        "period": 30,
        "algorithm": "sha1",
        "created_at": None,
        "group": None,
    }
    assert abs(timestamp(token["created_at"]) - datetime.now(timezone.utc).timestamp()) < 60
    assert service.get(f"/api/v1/tokens/{token['id']}").json() == {"success": True, "data": token}


def test_code_of_an_80_bit_secret_follows_rfc_6238(service: ServiceProcess) -> None:
    token = create(service, name="GitHub", secret=SHORT)
    response = service.get(f"/api/v1/tokens/{token['id']}/code")
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == ["code", "remaining_seconds", "period", "generated_at"]
    now = timestamp(data["generated_at"])
    assert data["code"] == rfc6238(SHORT, now)
    assert data["remaining_seconds"] == 30 - now % 30
    assert data["period"] == 30


@pytest.mark.parametrize(
    ("algorithm", "digits", "period"),
    [("sha1", 6, 30), ("SHA256", 8, 60), ("sha512", 10, 15), ("Sha1", 7, 1), ("sha256", 6, 120)],
)
def test_codes_honour_algorithm_digits_and_period(
    service: ServiceProcess, algorithm: str, digits: int, period: int
) -> None:
    token = create(service, name="x", secret=LONG, algorithm=algorithm, digits=digits, period=period)
    assert (token["algorithm"], token["digits"], token["period"]) == (algorithm.lower(), digits, period)
    data = service.get(f"/api/v1/tokens/{token['id']}/code").json()["data"]
    now = timestamp(data["generated_at"])
    reference = pyotp.TOTP(LONG, digits=digits, interval=period, digest=getattr(hashlib, algorithm.lower()))
    assert data["code"] == reference.at(now)
    assert 1 <= data["remaining_seconds"] <= period
    assert data["remaining_seconds"] == period - now % period


def test_create_from_uri_decodes_the_label_as_pyotp_does(service: ServiceProcess) -> None:
    uri = f"otpauth://totp/ACME%20Co:alice%40example.com?secret={LONG}&digits=8&algorithm=SHA256&period=60"
    token = create(service, uri=uri)
    reference = pyotp.parse_uri(uri)
    assert token["name"] == reference.name == "alice@example.com"
    assert token["issuer"] == reference.issuer == "ACME Co"
    assert (token["digits"], token["period"], token["algorithm"]) == (8, 60, "sha256")
    data = service.get(f"/api/v1/tokens/{token['id']}/code").json()["data"]
    assert data["code"] == reference.at(timestamp(data["generated_at"]))


def test_create_from_the_reference_uri(service: ServiceProcess) -> None:
    token = create(service, uri=f"otpauth://totp/GitHub:user@example.com?secret={SHORT}&issuer=GitHub")
    assert (token["name"], token["issuer"], token["secret"]) == ("user@example.com", "GitHub", SHORT)


def test_uri_without_any_issuer_gives_null(service: ServiceProcess) -> None:
    token = create(service, uri=f"otpauth://totp/alice?secret={LONG}")
    assert (token["name"], token["issuer"]) == ("alice", None)


def test_list_and_codes(service: ServiceProcess) -> None:
    made = [create(service, name=f"list-{i}", secret=LONG, digits=6 + i % 3) for i in range(3)]
    listing = service.get("/api/v1/tokens").json()
    assert listing["success"] is True and listing["count"] == len(listing["data"])
    ids = [token["id"] for token in listing["data"]]
    assert [ids.index(token["id"]) for token in made] == sorted(ids.index(token["id"]) for token in made)
    codes = service.get("/api/v1/codes").json()
    assert codes["success"] is True and set(codes) == {"success", "data"}
    by_id = {entry["id"]: entry for entry in codes["data"]}
    assert set(by_id) == set(ids)
    for token in made:
        entry = by_id[token["id"]]
        assert {k: v for k, v in entry.items() if k != "current_code"} == token
        current = entry["current_code"]
        now = timestamp(current["generated_at"])
        assert current["code"] == pyotp.TOTP(LONG, digits=token["digits"]).at(now)


def test_qr_png_decodes_to_the_tokens_uri(service: ServiceProcess) -> None:
    token = create(service, name="alice@example.com", secret=LONG, issuer="ACME Co", digits=8)
    response = service.get(f"/api/v1/tokens/{token['id']}/qr")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    uri = decode(open_png(response.content))
    expected = pyotp.TOTP(LONG, digits=8).provisioning_uri(name="alice@example.com", issuer_name="ACME Co")
    assert uri == expected


def test_qr_of_an_80_bit_secret(service: ServiceProcess) -> None:
    token = create(service, name="GitHub", secret=SHORT, issuer="GitHub")
    uri = decode(open_png(service.get(f"/api/v1/tokens/{token['id']}/qr").content))
    parsed = pyotp_rs.parse_uri(uri, allow_short_secret=True)
    assert (parsed.secret, parsed.name, parsed.issuer) == (SHORT, "GitHub", "GitHub")


def test_delete_one(service: ServiceProcess) -> None:
    token = create(service, name="gone", secret=LONG)
    response = service.delete(f"/api/v1/tokens/{token['id']}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Token deleted"}
    assert_error(service.get(f"/api/v1/tokens/{token['id']}"), 404, "Token not found")
    assert_error(service.delete(f"/api/v1/tokens/{token['id']}"), 404, "Token not found")


def test_delete_all(service_factory) -> None:
    server = service_factory()
    for i in range(5):
        create(server, name=f"t{i}", secret=LONG)
    response = server.delete("/api/v1/tokens")
    assert response.json() == {"success": True, "message": "Deleted 5 tokens", "deleted_count": 5}
    assert server.get("/api/v1/tokens").json() == {"success": True, "data": [], "count": 0}
    assert server.delete("/api/v1/tokens").json()["deleted_count"] == 0


ODD_IDS = [
    "nope",
    "0",
    "'; DROP TABLE tokens; --",
    '"quoted"',
    "..\\x",
    "%25",
    "%E2%9C%93",
    "%00",
    "x" * 300,
]


@pytest.mark.parametrize("token_id", ODD_IDS)
@pytest.mark.parametrize("suffix", ["", "/code", "/qr"])
def test_unknown_and_odd_ids_are_404(service: ServiceProcess, token_id: str, suffix: str) -> None:
    assert_error(service.get(f"/api/v1/tokens/{token_id}{suffix}"), 404, "Token not found")


@pytest.mark.parametrize("token_id", ODD_IDS)
def test_delete_of_odd_ids_is_404(service: ServiceProcess, token_id: str) -> None:
    assert_error(service.delete(f"/api/v1/tokens/{token_id}"), 404, "Token not found")


BAD_BODIES = [
    ({"uri": "http://example.com/?secret=" + LONG}, "Invalid otpauth URI"),
    ({"uri": "otpauth://totp/a?issuer=x"}, "Missing secret in URI"),
    (
        {"uri": "otpauth://hotp/a?secret=" + LONG + "&counter=1"},
        "Invalid otpauth URI: only totp URIs can be stored",
    ),
    ({"uri": 5}, "uri must be a string"),
    ({}, "Name and secret are required"),
    ({"name": "x"}, "Name and secret are required"),
    ({"secret": LONG}, "Name and secret are required"),
    ({"name": "", "secret": LONG}, "Name and secret are required"),
    ({"name": "x", "secret": None}, "Name and secret are required"),
    ({"name": 5, "secret": LONG}, "name must be a string"),
    ({"name": "x", "secret": ["A"]}, "secret must be a string"),
    ({"name": "x", "secret": LONG, "digits": "6"}, "digits must be an integer"),
    ({"name": "x", "secret": LONG, "digits": 6.0}, "digits must be an integer"),
    ({"name": "x", "secret": LONG, "digits": True}, "digits must be an integer"),
    ({"name": "x", "secret": LONG, "period": "30"}, "period must be an integer"),
    ({"name": "x", "secret": LONG, "issuer": 1}, "issuer must be a string"),
    ({"name": "x", "secret": LONG, "algorithm": "md5"}, "algorithm must be one of sha1, sha256, sha512"),
    ({"name": "x", "secret": LONG, "algorithm": ""}, "algorithm must be one of sha1, sha256, sha512"),
    ({"name": "   ", "secret": LONG}, "name must not be empty"),
    ({"name": "a\nb", "secret": LONG}, "name must not contain control characters"),
    ({"name": "x" * 257, "secret": LONG}, "name must be at most 256 characters"),
    ({"name": "x", "secret": LONG, "issuer": ""}, "issuer must not be empty"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_bad_bodies_are_400_and_store_nothing(service: ServiceProcess, body: dict, message: str) -> None:
    before = service.get("/api/v1/tokens").json()["count"]
    assert_error(service.post("/api/v1/tokens", json=body), 400, message)
    assert service.get("/api/v1/tokens").json()["count"] == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "secret": "not base32!"},
        {"name": "x", "secret": "JBSWY3DP"},
        {"name": "x", "secret": "A"},
        {"uri": "otpauth://totp/a?secret=1111"},
    ],
)
def test_secrets_that_cannot_make_a_code_are_refused_at_creation(service: ServiceProcess, body: dict) -> None:
    response = service.post("/api/v1/tokens", json=body)
    assert response.status_code == 400, response.text
    assert "secret" in response.json()["error"].lower()


@pytest.mark.parametrize(
    ("field", "value"),
    [("digits", 5), ("digits", 11), ("digits", -1), ("period", 0), ("period", 121), ("period", -30)],
)
def test_digits_and_period_follow_pyotps_limits(service: ServiceProcess, field: str, value: int) -> None:
    response = service.post("/api/v1/tokens", json={"name": "x", "secret": LONG, field: value})
    assert response.status_code == 400, response.text
    with pytest.raises(ValueError, match=str(response.json()["error"]).split(",")[0]):
        pyotp.TOTP(LONG, **{"digits" if field == "digits" else "interval": value})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Request body must be a JSON object (it is not valid JSON)"),
        (b"", "Request body must be a JSON object (it is not valid JSON)"),
        (b"[1, 2]", "Request body must be a JSON object"),
        (b'"text"', "Request body must be a JSON object"),
        (b"\xff\xfe", "Request body must be a JSON object (it is not valid JSON)"),
        (b"[" * 100000 + b"]" * 100000, None),
    ],
)
def test_bodies_that_are_not_json_objects(service: ServiceProcess, raw: bytes, message: str | None) -> None:
    response = service.post("/api/v1/tokens", data=raw, headers={"Content-Type": "application/json"})
    if message is None:
        assert_error(response, 413, "Request body too large: the limit is 65536 bytes")
    else:
        assert_error(response, 400, message)


def test_deeply_nested_json_is_400(service: ServiceProcess) -> None:
    raw = b"[" * 30000 + b"]" * 30000
    assert_error(
        service.post("/api/v1/tokens", data=raw, headers=JSON),
        400,
        "Request body must be a JSON object (it is not valid JSON)",
    )


def test_body_over_64_kib_is_413(service: ServiceProcess) -> None:
    body = b'{"name": "' + b"x" * 65536 + b'", "secret": "' + LONG.encode() + b'"}'
    assert_error(
        service.post("/api/v1/tokens", data=body, headers=JSON),
        413,
        "Request body too large: the limit is 65536 bytes",
    )


def test_unknown_paths_and_methods_are_json(service: ServiceProcess) -> None:
    assert_error(service.get("/api/v1/nothing"), 404, "Not found")
    assert_error(service.get("/api/v1/tokens/..%2F..%2Fetc%2Fpasswd"), 404, "Not found")
    assert_error(service.delete("/api/v1/tokens/a/b"), 404, "Not found")
    response = service.request("PUT", "/api/v1/tokens")
    assert_error(response, 405, "Method not allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST", "DELETE"}
