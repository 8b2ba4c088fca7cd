"""Imports without duplicates, all in one transaction, and HOTP tokens, over HTTP to a real ``pyotp-rs serve``.

Every test runs on SQLite and PostgreSQL (``service_factory``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pyotp
from pyotp_rs import HOTP, TOTP, transfer
from servicekit import ServiceProcess, is_sqlite, run_pyotp_rs, service_env

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
OTHER = "N5XHAZLOPJQXG43BMVZGK4TFONXW2ZJA"
THIRD = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _export() -> str:
    """A migration export of two TOTP accounts and an HOTP account at counter 5."""
    accounts = [
        TOTP(SECRET, name="alice", issuer="Example"),
        HOTP(OTHER, name="door", issuer="Acme", initial_count=5),
        TOTP(THIRD, name="bob", digits=8),
    ]
    return "\n".join(transfer.write_migration(accounts, batch_id=7))


def _import(service: ServiceProcess, data: str) -> dict:
    response = service.post("/api/v1/import", json={"data": data})
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


def _tokens(service: ServiceProcess) -> list[dict]:
    return service.get("/api/v1/tokens").json()["data"]


def test_importing_the_same_file_twice_creates_nothing_the_second_time(service_factory) -> None:
    service = service_factory()
    first = _import(service, _export())
    assert (first["new"], first["already_present"], first["skipped"]) == (3, 0, [])
    stored = _tokens(service)
    second = service.post("/api/v1/import", json={"data": _export()})
    assert second.status_code == 200
    body = second.json()["data"]
    assert (body["created"], body["new"], body["already_present"]) == ([], 0, 3)
    assert body["skipped"] == [
        {"label": "Example:alice", "reason": "already present"},
        {"label": "Acme:door", "reason": "already present"},
        {"label": "bob", "reason": "already present"},
    ]
    assert _tokens(service) == stored


def test_an_account_differing_in_one_parameter_is_new(service_factory) -> None:
    service = service_factory()
    _import(service, _export())
    variants = [
        TOTP(SECRET, name="alice", issuer="Example", digits=8),
        TOTP(SECRET, name="alice", issuer="Example", interval=60),
        TOTP(SECRET, name="alice", issuer="Example", digest=hashlib.sha256),
        HOTP(SECRET, name="alice", issuer="Example"),
        TOTP(OTHER, name="renamed"),
        TOTP(SECRET, name="renamed, same account"),
    ]
    body = _import(service, transfer.write_uris(variants))
    assert (body["new"], body["already_present"]) == (5, 1)
    assert body["skipped"] == [{"label": "renamed, same account", "reason": "already present"}]


def test_duplicates_within_one_file_are_stored_once(service_factory) -> None:
    service = service_factory()
    uris = transfer.write_uris([TOTP(SECRET, name="a"), TOTP(SECRET.lower(), name="b")])
    body = _import(service, uris)
    assert [t["name"] for t in body["created"]] == ["a"]
    assert body["skipped"] == [{"label": "b", "reason": "already present"}]


def test_a_token_created_with_a_pasted_secret_is_already_present(service_factory) -> None:
    service = service_factory()
    pasted = " ".join(SECRET[i : i + 4].lower() for i in range(0, len(SECRET), 4))
    created = service.post("/api/v1/tokens", json={"name": "alice", "secret": pasted.replace(" ", "-", 2)})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["secret"] == SECRET
    body = _import(service, transfer.write_uris([TOTP(SECRET, name="alice", issuer="Example")]))
    assert (body["new"], body["already_present"]) == (0, 1)


def test_fingerprints_hide_the_secret_and_old_rows_get_one(service_factory) -> None:
    service = service_factory()
    _import(service, _export())
    fingerprints = [row[0] for row in service.sql("SELECT secret_fingerprint FROM tokens")]
    assert len(set(fingerprints)) == 3
    for fingerprint in fingerprints:
        prefix, _, mac = fingerprint.partition(":")
        assert len(prefix) == 8 and len(mac) == 64
        assert all(secret not in fingerprint.upper() for secret in (SECRET, OTHER, THIRD))
    # Rows stored before the fingerprints existed (or under an earlier key) get one at the next import.
    service.sql("UPDATE tokens SET secret_fingerprint = NULL")
    service.sql("UPDATE tokens SET secret_fingerprint = 'deadbeef:00' WHERE name = 'bob'")
    body = _import(service, _export())
    assert (body["new"], body["already_present"]) == (0, 3)
    assert sorted(row[0] for row in service.sql("SELECT secret_fingerprint FROM tokens")) == sorted(
        fingerprints
    )


def test_duplicates_are_found_after_a_key_rotation(service_factory, tmp_path: Path) -> None:
    service = service_factory()
    _import(service, _export())
    service.stop()
    result = run_pyotp_rs(
        "rotate-key", "--db", service.db, "--key-file", str(service.key_file), env=service_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    again = service_factory()
    body = _import(again, _export())
    assert (body["new"], body["already_present"]) == (0, 3)


def test_team_secrets_json_imported_twice_sets_up_users_once(service_factory) -> None:
    service = service_factory()
    secrets = json.dumps({"alice": SECRET.lower(), "bob": OTHER.lower()})
    first = service.post("/api/v1/import", data=secrets, headers={"Content-Type": "application/json"})
    assert first.status_code == 201, first.text
    assert first.json()["data"]["created"] == [{"username": "alice"}, {"username": "bob"}]
    second = service.post("/api/v1/import", data=secrets, headers={"Content-Type": "application/json"})
    assert second.status_code == 200
    assert second.json()["data"]["skipped"] == [
        {"label": "alice", "reason": "already present"},
        {"label": "bob", "reason": "already present"},
    ]
    changed = json.dumps({"alice": THIRD})
    third = service.post("/api/v1/import", data=changed, headers={"Content-Type": "application/json"})
    assert third.json()["data"]["created"] == [{"username": "alice"}]
    before = int(time.time())
    assert service.get("/get-totp/alice").json()["totp"] in {pyotp.TOTP(THIRD).at(before + d) for d in (0, 1)}
    assert service.get("/get-totp/bob").json()["totp"] in {pyotp.TOTP(OTHER).at(before + d) for d in (0, 1)}


def test_an_entry_that_cannot_be_stored_is_skipped_and_the_rest_stored_once(service_factory) -> None:
    """Issue 24.6: a lone surrogate in one name answered 500 after the entries before it were committed."""
    service = service_factory()
    document = {
        "success": True,
        "data": [
            {"id": "1", "name": "first", "secret": SECRET},
            {"id": "2", "name": "bad \ud800", "secret": OTHER},
            {"id": "3", "name": "third", "secret": THIRD},
        ],
    }
    text = json.dumps(document)  # the surrogate travels as the JSON escape \ud800
    first = service.post("/api/v1/import", data=text, headers={"Content-Type": "application/json"})
    assert first.status_code == 201, first.text
    body = first.json()["data"]
    assert [t["name"] for t in body["created"]] == ["first", "third"]
    assert body["skipped"] == [
        {"label": "bad \ud800", "reason": "name must be valid Unicode text: it holds a lone surrogate"}
    ]
    retry = service.post("/api/v1/import", data=text, headers={"Content-Type": "application/json"})
    assert retry.status_code == 200
    assert [s["reason"] for s in retry.json()["data"]["skipped"]] == [
        "already present",
        "name must be valid Unicode text: it holds a lone surrogate",
        "already present",
    ]
    assert [t["name"] for t in _tokens(service)] == ["first", "third"]


def _refuse_inserts_named(service: ServiceProcess, name: str) -> None:
    """A trigger that makes the database refuse to insert a token called ``name``."""
    if is_sqlite(service.db):
        service.sql(
            f"CREATE TRIGGER refuse BEFORE INSERT ON tokens WHEN NEW.name = '{name}' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        return
    service.sql(
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
        f"IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    service.sql("CREATE TRIGGER refuse BEFORE INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION refuse()")


def test_an_import_the_database_refuses_stores_nothing(service_factory) -> None:
    service = service_factory()
    _refuse_inserts_named(service, "bob")
    response = service.post("/api/v1/import", json={"data": _export()})
    assert response.status_code == 500
    assert _tokens(service) == [] and service.sql("SELECT COUNT(*) FROM tokens") == [(0,)]


def _hotp_token(service: ServiceProcess) -> dict:
    body = _import(service, _export())
    (token,) = [t for t in body["created"] if t.get("type") == "hotp"]
    return token


def test_concurrent_presses_get_distinct_counters(service_factory) -> None:
    service = service_factory(workers=2)
    token = _hotp_token(service)
    assert (token["counter"], token["digits"]) == (5, 6)
    answers: list[dict] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        barrier.wait()
        response = service.post(f"/api/v1/tokens/{token['id']}/next")
        assert response.status_code == 200, response.text
        answers.append(response.json()["data"])

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer["counter"] for answer in answers) == list(range(5, 13))
    for answer in answers:
        assert answer["code"] == pyotp.HOTP(OTHER).at(answer["counter"])
        assert answer["next_counter"] == answer["counter"] + 1
    listed = service.get(f"/api/v1/tokens/{token['id']}").json()["data"]
    assert (listed["type"], listed["counter"]) == ("hotp", 13)


def test_listings_show_hotp_tokens_without_advancing_them(service_factory) -> None:
    service = service_factory()
    token = _hotp_token(service)
    path = f"/api/v1/tokens/{token['id']}"
    for _ in range(2):
        codes = {t["id"]: t for t in service.get("/api/v1/codes").json()["data"]}
        assert codes[token["id"]]["current_code"] is None and codes[token["id"]]["counter"] == 5
        assert all(t["current_code"]["code"] for i, t in codes.items() if i != token["id"])
        assert token["id"] not in {t["id"] for t in service.get("/api/v1/codes/next").json()["data"]}
        assert service.get(path).json()["data"]["counter"] == 5
        listed = {t["id"]: t for t in _tokens(service)}
        assert (listed[token["id"]]["type"], listed[token["id"]]["counter"]) == ("hotp", 5)
    assert "type" not in next(t for i, t in listed.items() if i != token["id"])
    code = service.get(f"{path}/code")
    assert code.status_code == 400 and "POST /api/v1/tokens/" in code.json()["error"]
    verify = service.post(f"{path}/verify", json={"code": pyotp.HOTP(OTHER).at(5)})
    assert verify.status_code == 400 and "HOTP" in verify.json()["error"]
    assert service.post(f"{path}/next").json()["data"]["counter"] == 5
    codes = {t["id"]: t for t in service.get("/api/v1/codes").json()["data"]}
    assert codes[token["id"]]["counter"] == 6


def test_next_on_a_totp_or_unknown_token_is_a_clear_error(service_factory) -> None:
    service = service_factory()
    body = _import(service, _export())
    totp_id = next(t["id"] for t in body["created"] if "type" not in t)
    refused = service.post(f"/api/v1/tokens/{totp_id}/next")
    assert refused.status_code == 400 and "is a TOTP token" in refused.json()["error"]
    missing = service.post("/api/v1/tokens/no-such-token/next")
    assert (missing.status_code, missing.json()) == (404, {"success": False, "error": "Token not found"})


def test_hotp_tokens_export_with_their_counter(service_factory) -> None:
    service = service_factory()
    token = _hotp_token(service)
    service.post(f"/api/v1/tokens/{token['id']}/next")
    text = service.get("/api/v1/export", params={"format": "uris"}).text
    (hotp,) = [a for a in transfer.read(text).accounts if a.type == "hotp"]
    assert (hotp.name, hotp.otp.secret, hotp.otp.initial_count) == ("door", OTHER, 6)
    qr = service.get(f"/api/v1/tokens/{token['id']}/qr")
    assert qr.status_code == 200 and qr.headers["Content-Type"] == "image/png"


def test_pasted_secrets_are_normalised_on_setup_and_create(service_factory) -> None:
    service = service_factory()
    pasted = "gezd gnbv-gy3t qojq gezd gnbv gy3t qojq"
    setup = service.post("/setup", json={"username": "carol", "secret": pasted})
    assert setup.status_code == 200, setup.text
    before = int(time.time())
    assert service.get("/get-totp/carol").json()["totp"] in {
        pyotp.TOTP(SECRET).at(before + d) for d in (0, 1)
    }
    created = service.post("/api/v1/tokens", json={"name": "dave", "secret": pasted, "digits": 8})
    assert created.status_code == 201 and created.json()["data"]["secret"] == SECRET
    uri = service.post("/api/v1/tokens", json={"uri": f"otpauth://totp/eve?secret={SECRET.lower()}"})
    assert uri.status_code == 201 and uri.json()["data"]["secret"] == SECRET


def test_an_hotp_counter_beyond_the_column_is_skipped_with_its_reason(service_factory) -> None:
    service = service_factory()
    uris = f"otpauth://hotp/big?secret={SECRET}&counter={2**64 - 1}\notpauth://hotp/ok?secret={OTHER}&counter=0\n"
    body = _import(service, uris)
    assert [t["name"] for t in body["created"]] == ["ok"]
    assert body["skipped"] == [{"label": "big", "reason": f"counter must be from 0 to {2**62}"}]
