"""``POST /api/v1/tokens/{id}/verify`` over HTTP to a real server, on SQLite and on PostgreSQL.

Each time step is accepted once per token (and no earlier step after it); wrong and malformed codes
are counted per token in the database, with 429 and ``Retry-After`` past the limit; codes are
compared with pyotp 2.12.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from servicekit import ENGINES, ServiceProcess, new_database, start_service

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
OTHER = "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"


LIMIT = 3


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module on each engine, counting 3 wrong codes per token per minute."""
    directory = tmp_path_factory.mktemp("verify")
    db = new_database(request.param, directory, request)
    server = start_service(directory, "--verify-limit", str(LIMIT), "--verify-window", "60", db=db, workers=2)
    yield server
    server.stop()


def new_token(service: ServiceProcess, **fields: object) -> str:
    response = service.post("/api/v1/tokens", json={"name": "alice", "secret": SECRET, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def verify(service: ServiceProcess, token_id: str, **body: object) -> tuple[int, dict]:
    response = service.post(f"/api/v1/tokens/{token_id}/verify", json=body)
    return response.status_code, response.json()


def wrong_code(totp: pyotp.TOTP) -> str:
    """A code that matches no step within 10 of now."""
    now = time.time()
    near = {totp.at(now, counter_offset=i) for i in range(-11, 12)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in near)


def wait_for_fresh_step(period: int = 30, margin: float = 3.0) -> None:
    """Waits until at least ``margin`` seconds remain in the current time step."""
    remaining = period - time.time() % period
    if remaining < margin:
        time.sleep(remaining + 0.05)


def test_a_code_is_accepted_once_then_replayed(service: ServiceProcess) -> None:
    token_id = new_token(service)
    totp = pyotp.TOTP(SECRET)
    wait_for_fresh_step()
    now = time.time()
    assert verify(service, token_id, code=totp.at(now)) == (
        200,
        {"success": True, "data": {"valid": True, "timecode": totp.timecode(now)}},
    )
    replayed = (200, {"success": True, "data": {"valid": False, "reason": "replayed"}})
    assert verify(service, token_id, code=totp.at(now)) == replayed
    assert verify(service, token_id, code=totp.at(now, counter_offset=-1)) == replayed
    assert verify(service, token_id, code=wrong_code(totp)) == (
        200,
        {"success": True, "data": {"valid": False, "reason": "invalid"}},
    )


def test_valid_window(service: ServiceProcess) -> None:
    totp = pyotp.TOTP(SECRET)
    wait_for_fresh_step()
    two_back = totp.at(time.time(), counter_offset=-2)
    first, second = new_token(service), new_token(service)
    assert verify(service, first, code=two_back)[1]["data"] == {"valid": False, "reason": "invalid"}
    assert verify(service, first, code=two_back, valid_window=1)[1]["data"]["reason"] == "invalid"
    accepted = verify(service, second, code=two_back, valid_window=2)[1]["data"]
    assert accepted == {"valid": True, "timecode": totp.timecode(time.time()) - 2}
    current = verify(service, second, code=totp.now(), valid_window=0)[1]["data"]
    assert current["valid"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "123456", "valid_window": 11}, "valid_window must be from 0 to 10"),
        ({"code": "123456", "valid_window": -1}, "valid_window must be from 0 to 10"),
        ({"code": "123456", "valid_window": "1"}, "valid_window must be an integer"),
        ({"code": "123456", "valid_window": True}, "valid_window must be an integer"),
    ],
)
def test_a_bad_valid_window_is_a_400_that_does_not_count(
    service: ServiceProcess, body: dict, message: str
) -> None:
    token_id = new_token(service)
    for _ in range(LIMIT + 1):
        assert verify(service, token_id, **body) == (400, {"success": False, "error": message})
    assert verify(service, token_id, code=pyotp.TOTP(SECRET).now())[1]["data"]["valid"] is True


@pytest.mark.parametrize("codes", [("12345", "1234567", "abcdef"), (123456, "１２３４５６", None)])
def test_malformed_codes_are_400_and_count_as_wrong(
    service: ServiceProcess, codes: tuple[object, ...]
) -> None:
    token_id = new_token(service)
    message = {"success": False, "error": "code must be a string of 6 digits"}
    for code in codes:
        assert verify(service, token_id, code=code) == (400, message)
    assert verify(service, token_id, code=pyotp.TOTP(SECRET).now())[0] == 429
    eight = new_token(service, digits=8)
    assert verify(service, eight, code="123456") == (
        400,
        {"success": False, "error": "code must be a string of 8 digits"},
    )


def test_wrong_codes_past_the_limit_get_429_until_the_window_ends(service_factory) -> None:
    service = service_factory("--verify-limit", "3", "--verify-window", "4")
    token_id = new_token(service)
    totp = pyotp.TOTP(SECRET)
    for _ in range(3):
        assert verify(service, token_id, code=wrong_code(totp))[1]["data"]["reason"] == "invalid"
    response = service.post(f"/api/v1/tokens/{token_id}/verify", json={"code": totp.now()})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 4
    assert response.json() == {
        "success": False,
        "error": f"Too many wrong codes for this token: try again in {response.headers['Retry-After']} seconds",
    }
    other = new_token(service)
    assert verify(service, other, code=totp.now())[1]["data"]["valid"] is True
    time.sleep(int(response.headers["Retry-After"]))
    wait_for_fresh_step()
    assert verify(service, token_id, code=totp.now())[1]["data"]["valid"] is True


def test_an_accepted_code_clears_the_wrong_code_count(service: ServiceProcess) -> None:
    token_id = new_token(service)
    totp = pyotp.TOTP(SECRET)
    wait_for_fresh_step()
    for _ in range(LIMIT - 1):
        verify(service, token_id, code=wrong_code(totp))
    assert verify(service, token_id, code=totp.now())[1]["data"]["valid"] is True
    for _ in range(LIMIT):
        assert verify(service, token_id, code=wrong_code(totp))[0] == 200
    assert verify(service, token_id, code=wrong_code(totp))[0] == 429


def test_unknown_tokens_and_bodies(service: ServiceProcess) -> None:
    assert verify(service, "nope", code="123456") == (404, {"success": False, "error": "Token not found"})
    token_id = new_token(service)
    response = service.post(f"/api/v1/tokens/{token_id}/verify", data="[1]")
    assert response.status_code == 400 and response.json()["success"] is False
    service.delete(f"/api/v1/tokens/{token_id}")
    assert verify(service, token_id, code="123456")[0] == 404


def test_setting_up_a_user_again_starts_its_verification_afresh(service: ServiceProcess) -> None:
    assert service.post("/setup", json={"username": "bob", "secret": SECRET}).status_code == 200
    (token,) = [t for t in service.get("/api/v1/tokens").json()["data"] if t["name"] == "bob"]
    wait_for_fresh_step()
    assert verify(service, token["id"], code=pyotp.TOTP(SECRET).now())[1]["data"]["valid"] is True
    assert service.post("/setup", json={"username": "bob", "secret": OTHER}).status_code == 200
    assert verify(service, token["id"], code=pyotp.TOTP(OTHER).now())[1]["data"]["valid"] is True


def test_codes_follow_changes_made_through_another_instance(service_factory) -> None:
    first, second = service_factory(workers=2), service_factory(workers=2)
    ids = [new_token(first, name=f"t{i}") for i in range(3)]
    for _ in range(4):  # both workers of the second instance
        assert [entry["id"] for entry in second.get("/api/v1/codes").json()["data"]] == ids
    second.delete(f"/api/v1/tokens/{ids[1]}")
    assert second.post("/setup", json={"username": "carol", "secret": OTHER}).status_code == 200
    for _ in range(4):
        listed = first.get("/api/v1/codes").json()["data"]
        assert [entry["name"] for entry in listed] == ["t0", "t2", "carol"]
        assert listed[2]["current_code"]["code"] in {
            pyotp.TOTP(OTHER).at(time.time(), counter_offset=i) for i in (-1, 0)
        }
