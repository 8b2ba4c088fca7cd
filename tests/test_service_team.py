"""The team API (``../shared/seeds/000``: ``POST /setup``, ``GET /get-totp/<username>``) and the enrolment
endpoint (``../shared/seeds/002``: ``GET /v1/auth/totp-generate``), over HTTP to a real server process.

The seed app answers with Flask's ``jsonify`` run as its README says (``python app.py``: debug mode);
the expected bytes here come from that same ``jsonify``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import flask
import pyotp
import pytest
from PIL import Image
from qrdecode import decode
from servicekit import ENGINES, ServiceProcess, new_database, rfc6238, start_service

SHORT = "JBSWY3DPEHPK3PXP"
LONG = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
OTHER = "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module, on each engine in turn."""
    directory = tmp_path_factory.mktemp("team")
    server = start_service(directory, db=new_database(request.param, directory, request), workers=2)
    yield server
    server.stop()


def seed_jsonify(body: dict) -> bytes:
    """What the seed app's ``jsonify(body)`` sends."""
    app = flask.Flask("seed")
    app.debug = True
    with app.app_context():
        return flask.jsonify(body).get_data()


def around(code: Callable[[int], str], request: Callable[[], str]) -> None:
    """The code a request returns equals ``code(t)`` for a time ``t`` during the request."""
    before = int(time.time())
    got = request()
    after = int(time.time())
    assert got in {code(before), code(after)}


def token_count(service: ServiceProcess) -> int:
    return service.get("/api/v1/tokens").json()["count"]


@pytest.mark.parametrize(
    "username", ["your_username", "alice@example.com", "jürgen", 'o\'brien "x"', "a/b", "%"]
)
def test_setup_and_get_totp_are_byte_identical_to_the_seed(service: ServiceProcess, username: str) -> None:
    response = service.post("/setup", json={"username": username, "secret": LONG})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == seed_jsonify({"username": username, "secret": LONG})

    def fetch() -> str:
        reply = service.get("/get-totp/" + quote(username, safe=""))
        assert reply.status_code == 200
        body = reply.json()
        assert reply.content == seed_jsonify({"username": username, "totp": body["totp"]})
        return body["totp"]

    around(pyotp.TOTP(LONG).at, fetch)


def test_an_80_bit_secret_works(service: ServiceProcess) -> None:
    assert service.post("/setup", json={"username": "short", "secret": SHORT}).status_code == 200
    around(lambda now: rfc6238(SHORT, now), lambda: service.get("/get-totp/short").json()["totp"])


def test_setting_up_again_replaces_the_secret(service: ServiceProcess) -> None:
    service.post("/setup", json={"username": "bob", "secret": LONG})
    response = service.post("/setup", json={"username": "bob", "secret": OTHER})
    assert response.content == seed_jsonify({"username": "bob", "secret": OTHER})
    around(pyotp.TOTP(OTHER).at, lambda: service.get("/get-totp/bob").json()["totp"])
    bobs = [token for token in service.get("/api/v1/tokens").json()["data"] if token["name"] == "bob"]
    assert len(bobs) == 1
    assert {k: bobs[0][k] for k in ("secret", "issuer", "digits", "period", "algorithm")} == {
        "secret": OTHER,
        "issuer": None,
        "digits": 6,
        "period": 30,
        "algorithm": "sha1",
    }


def test_every_worker_sees_a_new_secret_and_a_deleted_user_at_once(service: ServiceProcess) -> None:
    """Workers keep the users they served; ``/setup`` and a deletion reach all of them on the next request."""
    service.post("/setup", json={"username": "carol", "secret": LONG})
    for _ in range(8):  # enough requests to reach both workers, which then keep carol
        around(pyotp.TOTP(LONG).at, lambda: service.get("/get-totp/carol").json()["totp"])
    service.post("/setup", json={"username": "carol", "secret": OTHER})
    for _ in range(8):
        around(pyotp.TOTP(OTHER).at, lambda: service.get("/get-totp/carol").json()["totp"])
    (carol,) = [token for token in service.get("/api/v1/tokens").json()["data"] if token["name"] == "carol"]
    assert service.delete(f"/api/v1/tokens/{carol['id']}").status_code == 200
    for _ in range(8):
        response = service.get("/get-totp/carol")
        assert response.status_code == 404
        assert response.content == seed_jsonify({"error": "User not found"})


@pytest.mark.parametrize("username", ["j\u00fcrgen \u20ac", "\\u0000", 'q"\\'])
def test_get_totp_body_with_escaped_characters_is_the_seeds(service: ServiceProcess, username: str) -> None:
    assert service.post("/setup", json={"username": username, "secret": LONG}).status_code == 200
    for _ in range(4):
        reply = service.get("/get-totp/" + quote(username, safe=""))
        assert reply.content == seed_jsonify({"username": username, "totp": reply.json()["totp"]})


def test_unknown_user_is_the_seeds_404(service: ServiceProcess) -> None:
    response = service.get("/get-totp/nobody")
    assert response.status_code == 404
    assert response.content == seed_jsonify({"error": "User not found"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"username": "u"}', "username and secret are required"),
        (b'{"secret": "' + LONG.encode() + b'"}', "username and secret are required"),
        (b'{"username": 1, "secret": "' + LONG.encode() + b'"}', "username must be a string"),
        (b'{"username": "u", "secret": 12}', "secret must be a string"),
        (b'{"username": "", "secret": "' + LONG.encode() + b'"}', "username must not be empty"),
        (b'{"username": "u", "secret": ""}', "Invalid secret: secret must not be empty"),
        (b'{"username": "u", "secret": "not base32"}', None),
        (b"[]", "Request body must be a JSON object"),
        (b"null", "Request body must be a JSON object"),
        (b"{", "Request body must be a JSON object (it is not valid JSON)"),
    ],
)
def test_bad_setup_is_a_json_400_and_stores_nothing(
    service: ServiceProcess, data: bytes, message: str | None
) -> None:
    before = token_count(service)
    response = service.post("/setup", data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error"}
    if message is not None:
        assert body["error"] == message
    assert response.content == seed_jsonify(body)
    assert token_count(service) == before


def test_setup_body_over_64_kib_is_413(service: ServiceProcess) -> None:
    response = service.post("/setup", json={"username": "big", "secret": LONG, "pad": "x" * 70000})
    assert response.status_code == 413
    assert set(response.json()) == {"error"}


# Enrolment


def enrol(service: ServiceProcess, **params: str) -> dict:
    response = service.get("/v1/auth/totp-generate", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["secret", "uri", "qr_code", "current_code"]
    return body


def qr_text(data_uri: str) -> str:
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    return decode(Image.open(io.BytesIO(base64.b64decode(data_uri[len(prefix) :]))))


def test_enrolment_as_the_seed_shows_it(service: ServiceProcess) -> None:
    before = token_count(service)
    body = enrol(service, issuer="MyApp", account_name="user@example.com", digits="6", period="30")
    secret = body["secret"]
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    assert body["uri"] == (
        f"otpauth://totp/MyApp:user%40example.com?secret={secret}&issuer=MyApp&digits=6&period=30&algorithm=SHA1"
    )
    assert qr_text(body["qr_code"]) == body["uri"]
    totp = pyotp.parse_uri(body["uri"])
    assert body["current_code"] in {totp.at(time.time() - 5), totp.now()}
    assert token_count(service) == before


@pytest.mark.parametrize(
    ("params", "digits", "period", "algorithm"),
    [
        ({}, 6, 30, "SHA1"),
        ({"digits": "8", "period": "60", "algorithm": "sha256"}, 8, 60, "SHA256"),
        ({"period": "10", "algorithm": "Sha512"}, 6, 10, "SHA512"),
        ({"period": "120", "digits": "8"}, 8, 120, "SHA1"),
    ],
)
def test_enrolment_parameters(
    service: ServiceProcess, params: dict, digits: int, period: int, algorithm: str
) -> None:
    body = enrol(service, issuer="ACME Co", account_name="bob smith", **params)
    assert body["uri"].endswith(f"&digits={digits}&period={period}&algorithm={algorithm}")
    totp = pyotp.parse_uri(body["uri"])
    assert (totp.issuer, totp.name, totp.digits, totp.interval) == ("ACME Co", "bob smith", digits, period)
    reference = pyotp.TOTP(
        body["secret"], digits=digits, interval=period, digest=getattr(hashlib, algorithm.lower())
    )
    assert body["current_code"] in {reference.at(time.time() - 5), reference.now()}
    assert qr_text(body["qr_code"]) == body["uri"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"digits": "7"}, "digits"),
        ({"digits": "x"}, "digits"),
        ({"digits": "6.0"}, "digits"),
        ({"period": "9"}, "period"),
        ({"period": "121"}, "period"),
        ({"period": "thirty"}, "period"),
        ({"algorithm": "md5"}, "algorithm"),
        ({"issuer": ""}, "issuer"),
        ({"issuer": "a:b"}, "issuer"),
        ({"account_name": "   "}, "account_name"),
        ({"issuer": None}, "issuer"),
        ({"account_name": None}, "account_name"),
    ],
)
def test_bad_enrolment_parameters_are_400_naming_the_parameter(
    service: ServiceProcess, params: dict, named: str
) -> None:
    query = {"issuer": "MyApp", "account_name": "user@example.com", **params}
    response = service.get("/v1/auth/totp-generate", params={k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"].startswith(named)
