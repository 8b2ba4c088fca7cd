"""Team access over real HTTP: API tokens with roles (admin, manage, codes) and groups, editing with
PATCH, ``/api/v1/me``, and the audit log through the API and ``pyotp-rs audit --json``.

As issue 23 checks it: the tokens are created with the CLI before the service starts (admin, codes,
codes@infra, manage@infra), then every operation of the role table is sent with each Bearer token,
on SQLite and on PostgreSQL. What a refused request would have changed is checked to be unchanged.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from servicekit import (
    ENGINES,
    ServiceProcess,
    new_database,
    rfc6238,
    run_pyotp_rs,
    service_env,
    start_service,
)

INFRA = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
WEB = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OTHER = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
ROLES = {"admin": (), "codes": (), "codes_infra": ("infra",), "manager": ("infra",)}
ROLE_OF = {"admin": "admin", "codes": "codes", "codes_infra": "codes", "manager": "manage"}


@dataclass
class Team:
    """A service with four API tokens, and three accounts: one in ``infra``, one in ``web``, one in none."""

    service: ServiceProcess
    tokens: dict[str, str]
    directory: Path
    infra: str = ""
    web: str = ""
    loose: str = ""

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.service.request(method, path, headers=headers, **kwargs)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_pyotp_rs(*args, "--db", self.service.db, env=service_env(self.directory))

    def audit(self, **params: str) -> list[dict[str, Any]]:
        response = self.call("admin", "GET", "/api/v1/audit", params={"limit": "1000", **params})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True and body["count"] == len(body["data"])
        return body["data"]

    def state(self) -> list[tuple[Any, ...]]:
        """Every account as stored (what a refused request must leave alone)."""
        return self.service.sql('SELECT id, name, issuer, "group", secret_sealed FROM tokens ORDER BY id')


def create_api_token(directory: Path, db: str, name: str, *args: str) -> str:
    result = run_pyotp_rs("api-token", "create", name, *args, "--db", db, env=service_env(directory))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module", params=ENGINES)
def team(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    directory = tmp_path_factory.mktemp("access")
    db = new_database(request.param, directory, request)
    tokens = {
        "admin": create_api_token(directory, db, "admin"),
        "codes": create_api_token(directory, db, "codes", "--role", "codes"),
        "codes_infra": create_api_token(directory, db, "codes_infra", "--role", "codes", "--group", "infra"),
        "manager": create_api_token(directory, db, "manager", "--role", "manage", "--group", "infra"),
    }
    server = start_service(directory, db=db, workers=2)
    team = Team(server, tokens, directory)
    for attribute, body in (
        ("infra", {"name": "db", "secret": INFRA, "issuer": "Infra", "group": "infra"}),
        ("web", {"name": "site", "secret": WEB, "issuer": "Web", "group": "web"}),
        ("loose", {"name": "loose", "secret": OTHER, "issuer": None}),
    ):
        response = team.call("admin", "POST", "/api/v1/tokens", json=body)
        assert response.status_code == 201, response.text
        setattr(team, attribute, response.json()["data"]["id"])
    yield team
    server.stop()


def test_the_cli_lists_name_role_groups_and_created(team: Team) -> None:
    listing = team.cli("api-token", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "GROUPS", "CREATED"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["admin"][:2] == ["admin", "(all)"]
    assert rows["codes"][:2] == ["codes", "(all)"]
    assert rows["codes_infra"][:2] == ["codes", "infra"]
    assert rows["manager"][:2] == ["manage", "infra"]
    assert all(row[2].endswith("+00:00") for row in rows.values())


@pytest.mark.parametrize("who", list(ROLES))
def test_me_names_the_caller(team: Team, who: str) -> None:
    response = team.call(who, "GET", "/api/v1/me")
    assert response.status_code == 200
    groups = list(ROLES[who]) or None
    assert response.json() == {"success": True, "data": {"name": who, "role": ROLE_OF[who], "groups": groups}}


def test_me_of_another_token_is_for_admins(team: Team) -> None:
    other = team.call("admin", "GET", "/api/v1/me", params={"name": "manager"})
    assert other.json()["data"] == {"name": "manager", "role": "manage", "groups": ["infra"]}
    assert team.call("manager", "GET", "/api/v1/me", params={"name": "admin"}).status_code == 403
    assert team.call("admin", "GET", "/api/v1/me", params={"name": "nobody"}).status_code == 404


@pytest.mark.parametrize("who", list(ROLES))
def test_listing_shows_the_callers_groups_and_secrets_to_admins_only(team: Team, who: str) -> None:
    for path in ("/api/v1/tokens", "/api/v1/codes"):
        response = team.call(who, "GET", path)
        assert response.status_code == 200
        data = response.json()["data"]
        expected = {team.infra} if ROLES[who] else {team.infra, team.web, team.loose}
        assert {token["id"] for token in data} >= expected
        if ROLES[who]:
            assert {token["group"] for token in data} == {"infra"}
        for token in data:
            assert ("secret" in token) is (who == "admin"), (path, token)
            assert "group" in token
    one = team.call(who, "GET", f"/api/v1/tokens/{team.infra}").json()["data"]
    assert one["group"] == "infra" and ("secret" in one) is (who == "admin")
    code = team.call(who, "GET", f"/api/v1/tokens/{team.infra}/code")
    assert code.status_code == 200 and len(code.json()["data"]["code"]) == 6
    following = team.call(who, "GET", "/api/v1/codes/next").json()["data"]
    assert team.infra in {entry["id"] for entry in following}


@pytest.mark.parametrize("who", ["codes_infra", "manager"])
def test_an_account_outside_the_callers_groups_is_absent(team: Team, who: str) -> None:
    before = team.state()
    for method, path in (
        ("GET", f"/api/v1/tokens/{team.web}"),
        ("GET", f"/api/v1/tokens/{team.web}/code"),
        ("GET", f"/api/v1/tokens/{team.loose}"),
        ("POST", f"/api/v1/tokens/{team.web}/verify"),
        ("GET", "/get-totp/anyone"),
    ):
        kwargs = {"json": {"code": "000000"}} if method == "POST" else {}
        response = team.call(who, method, path, **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    assert team.call(who, "GET", f"/api/v1/tokens/{team.web}").json() == {
        "success": False,
        "error": "Token not found",
    }
    if who == "manager":
        assert team.call(who, "DELETE", f"/api/v1/tokens/{team.web}").status_code == 404
        assert team.call(who, "PATCH", f"/api/v1/tokens/{team.web}", json={"name": "x"}).status_code == 404
    assert team.state() == before


ROLE_TABLE = [
    # (method, path, body, the least role, what an allowed admin call answers)
    ("GET", "/api/v1/tokens/{infra}/qr", None, "admin", 200),
    ("DELETE", "/api/v1/tokens", None, "admin", None),
    ("GET", "/api/v1/export?format=uris", None, "admin", 200),
    ("GET", "/api/v1/audit", None, "admin", 200),
    ("POST", "/api/v1/tokens", {"name": "new", "secret": OTHER, "group": "infra"}, "manage", 201),
    ("PATCH", "/api/v1/tokens/{infra}", {"issuer": "Infra"}, "manage", 200),
    ("DELETE", "/api/v1/tokens/{infra}", None, "manage", None),
    ("POST", "/api/v1/import", {"data": f"otpauth://totp/imp?secret={OTHER}"}, "manage", 201),
    ("POST", "/setup", {"username": "u1", "secret": INFRA}, "manage", 200),
]


@pytest.mark.parametrize(("method", "path", "body", "least", "status"), ROLE_TABLE)
def test_roles_below_the_operations_get_403_and_change_nothing(
    team: Team, method: str, path: str, body: Any, least: str, status: int | None
) -> None:
    path = path.format(infra=team.infra)
    order = ["codes", "manage", "admin"]
    for who in ROLES:
        if order.index(ROLE_OF[who]) >= order.index(least):
            continue
        before = team.state()
        response = team.call(who, method, path, json=body)
        assert response.status_code == 403, (who, method, path, response.text)
        assert response.json()["error"].startswith(f"This API token's role ({ROLE_OF[who]}) cannot do this")
        assert team.state() == before
    if status is not None and least != "manage":
        assert team.call("admin", method, path, json=body).status_code == status


def test_a_manager_works_in_its_groups_only(team: Team) -> None:
    created = team.call("manager", "POST", "/api/v1/tokens", json={"name": "m1", "secret": OTHER})
    assert created.status_code == 201, created.text
    token = created.json()["data"]
    assert token["group"] == "infra" and "secret" not in token
    before = team.state()
    foreign = team.call(
        "manager", "POST", "/api/v1/tokens", json={"name": "m2", "secret": OTHER, "group": "web"}
    )
    assert foreign.status_code == 403
    assert foreign.json() == {"success": False, "error": "Group 'web' is outside this API token's groups"}
    moved = team.call("manager", "PATCH", f"/api/v1/tokens/{token['id']}", json={"group": "web"})
    assert moved.status_code == 403
    assert team.call("manager", "POST", "/setup", json={"username": "u2", "secret": INFRA}).status_code == 403
    imported = team.call(
        "manager", "POST", "/api/v1/import?group=web", json={"data": f"otpauth://totp/x?secret={OTHER}"}
    )
    assert imported.status_code == 403
    assert team.state() == before
    renamed = team.call("manager", "PATCH", f"/api/v1/tokens/{token['id']}", json={"name": "m1 renamed"})
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "m1 renamed"
    assert team.call("manager", "DELETE", f"/api/v1/tokens/{token['id']}").status_code == 200
    assert team.call("admin", "GET", f"/api/v1/tokens/{token['id']}").status_code == 404


def test_patch_renames_moves_and_refuses_the_fixed_fields(team: Team) -> None:
    created = team.call(
        "admin", "POST", "/api/v1/tokens", json={"name": "p", "secret": OTHER, "issuer": "Acme"}
    )
    token = created.json()["data"]
    path = f"/api/v1/tokens/{token['id']}"
    changed = team.call("admin", "PATCH", path, json={"name": "p2", "issuer": None, "group": "ops"})
    assert changed.status_code == 200
    assert changed.json() == {
        "success": True,
        "data": {**token, "name": "p2", "issuer": None, "group": "ops"},
    }
    assert team.call("admin", "GET", path).json()["data"]["name"] == "p2"
    before = team.state()
    for field, value in (("secret", WEB), ("digits", 8), ("period", 60), ("algorithm", "sha256")):
        refused = team.call("admin", "PATCH", path, json={"name": "p3", field: value})
        assert refused.status_code == 400
        assert refused.json() == {
            "success": False,
            "error": f"{field} cannot be changed: only name, issuer and group can",
        }
    for body, message in (
        ({"name": None}, "name must not be null"),
        ({"name": ""}, "name must not be empty"),
        ({"name": 5}, "name must be a string"),
        ({"colour": "red"}, "Unknown field 'colour': only name, issuer and group can be changed"),
    ):
        refused = team.call("admin", "PATCH", path, json=body)
        assert (refused.status_code, refused.json()["error"]) == (400, message)
    assert team.state() == before
    assert team.call("admin", "PATCH", "/api/v1/tokens/nope", json={"name": "x"}).status_code == 404
    team.call("admin", "DELETE", path)


def test_the_audit_log_records_reads_changes_and_refusals(team: Team) -> None:
    # The codes token reads a code and verifies one.
    assert team.call("codes", "GET", f"/api/v1/tokens/{team.infra}/code").status_code == 200
    import time

    code = rfc6238(INFRA, int(time.time()))
    verdict = team.call("codes", "POST", f"/api/v1/tokens/{team.web}/verify", json={"code": "000000"})
    assert verdict.status_code == 200
    team.call("codes", "POST", f"/api/v1/tokens/{team.infra}/verify", json={"code": code})
    # The manager renames; a refused request; the admin exports.
    renamed = team.call("manager", "PATCH", f"/api/v1/tokens/{team.infra}", json={"name": "db-primary"})
    assert renamed.status_code == 200
    assert team.call("codes", "DELETE", f"/api/v1/tokens/{team.infra}").status_code == 403
    exported = team.call("admin", "GET", "/api/v1/export?format=uris")
    assert exported.status_code == 200
    assert team.call("codes", "GET", "/api/v1/codes").status_code == 200
    assert team.service.get("/api/v1/tokens", headers={"Authorization": "Bearer wrong"}).status_code == 401

    entries = team.audit()
    assert entries == sorted(entries, key=lambda entry: entry["time"], reverse=True)

    def find(**fields: Any) -> dict[str, Any]:
        for entry in entries:
            if all(entry[key] == value for key, value in fields.items()):
                return entry
        raise AssertionError(f"no entry {fields} in {json.dumps(entries, indent=1)}")

    read = find(actor="codes", action="code.read", account_ids=[team.infra])
    assert read["outcome"] == "ok" and read["remote_addr"] == "127.0.0.1"
    assert find(actor="codes", action="verify", account_ids=[team.web])["outcome"] == "invalid"
    assert find(actor="codes", action="verify", account_ids=[team.infra])["outcome"] in ("valid", "replayed")
    assert find(actor="manager", action="token.update", account_ids=[team.infra])["label"] == "db-primary"
    denied = find(actor="codes", action="denied")
    assert denied["outcome"] == f"403 DELETE /api/v1/tokens/{team.infra}"
    assert denied["account_ids"] == [team.infra]
    assert find(actor=None, action="denied")["outcome"] == "401 GET /api/v1/tokens"
    export = find(actor="admin", action="export")
    assert set(export["account_ids"]) >= {team.infra, team.web, team.loose}
    listing = find(actor="codes", action="code.read", label=None)
    assert set(listing["account_ids"]) >= {team.infra, team.web, team.loose}
    find(actor="admin", action="token.create", account_ids=[team.infra])
    find(actor="cli", action="api_token.create", label="manager")

    by_actor = team.audit(actor="manager")
    assert by_actor and {entry["actor"] for entry in by_actor} == {"manager"}
    by_account = team.audit(account=team.web)
    assert by_account and all(team.web in entry["account_ids"] for entry in by_account)
    assert len(team.audit(limit="2")) == 2
    assert team.audit(since="2999-01-01T00:00:00+00:00") == []

    cli = team.cli("audit", "--json", "--limit", "1000")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["data"][: len(entries)] == entries or json.loads(cli.stdout)[
        "count"
    ] >= len(entries)
    text = team.cli("audit", "--limit", "5")
    assert text.returncode == 0 and text.stdout.startswith("TIME ")

    everything = json.dumps(team.audit()) + cli.stdout + text.stdout
    for secret in (INFRA, WEB, OTHER):
        assert secret not in everything
    assert code not in json.dumps([entry for entry in team.audit() if entry["action"] != "denied"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit must be an integer from 1 to 1000"),
        ({"limit": "x"}, "limit must be an integer from 1 to 1000"),
        ({"since": "yesterday"}, "since must be an ISO 8601 time, such as 2026-01-15T10:30:00+00:00"),
        (
            {"since": "2026-01-01T00:00:00"},
            "since must carry its UTC offset, such as 2026-01-15T10:30:00+00:00",
        ),
    ],
)
def test_bad_audit_queries_are_400(team: Team, params: dict[str, str], message: str) -> None:
    response = team.call("admin", "GET", "/api/v1/audit", params=params)
    assert (response.status_code, response.json()) == (400, {"success": False, "error": message})


def test_a_revoked_token_is_refused_at_once(team: Team) -> None:
    token = create_api_token(team.directory, team.service.db, "shortlived", "--role", "codes")
    headers = {"Authorization": f"Bearer {token}"}
    assert team.service.get("/api/v1/me", headers=headers).status_code == 200
    revoked = team.cli("api-token", "revoke", "shortlived")
    assert revoked.returncode == 0, revoked.stderr
    for _ in range(4):  # every worker, with no wait
        assert team.service.get("/api/v1/codes", headers=headers).status_code == 401
    entry = team.audit(actor="cli")[0]
    assert (entry["action"], entry["label"]) == ("api_token.revoke", "shortlived")


def test_cli_role_and_group_errors(team: Team) -> None:
    bad_role = run_pyotp_rs(
        "api-token", "create", "x", "--role", "root", "--db", team.service.db, env=service_env(team.directory)
    )
    assert bad_role.returncode == 2 and "invalid choice: 'root'" in bad_role.stderr
    bad_group = run_pyotp_rs(
        "api-token", "create", "x", "--group", "", "--db", team.service.db, env=service_env(team.directory)
    )
    assert bad_group.returncode == 1 and bad_group.stderr.strip().endswith("group must not be empty")


def test_open_loopback_mode_is_local_admin(service_factory) -> None:
    service = service_factory()
    assert service.get("/api/v1/me").json() == {
        "success": True,
        "data": {"name": "local", "role": "admin", "groups": None},
    }
    created = service.post("/api/v1/tokens", json={"name": "a", "secret": INFRA})
    assert created.status_code == 201 and created.json()["data"]["secret"] == INFRA
    assert created.json()["data"]["group"] is None
    assert service.get("/api/v1/codes").json()["data"][0]["secret"] == INFRA
    entries = service.get("/api/v1/audit").json()["data"]
    assert [(entry["actor"], entry["action"]) for entry in entries][:2] == [
        ("local", "code.read"),
        ("local", "token.create"),
    ]


def test_old_audit_entries_are_pruned(service_factory, tmp_path: Path) -> None:
    service = service_factory("--audit-days", "1")
    created = service.post("/api/v1/tokens", json={"name": "a", "secret": INFRA})
    assert created.status_code == 201
    old_us = 1_000_000  # 1970
    service.sql(
        "INSERT INTO audit (at_us, actor, action, outcome) VALUES (:at, 'old', 'code.read', 'ok')", at=old_us
    )
    service.stop()
    restarted = service_factory("--audit-days", "1")
    restarted.get("/api/v1/codes")
    actors = {row[0] for row in restarted.sql("SELECT actor FROM audit")}
    assert "old" not in actors and "local" in actors


def test_a_refused_request_with_a_nul_in_its_path_is_audited_not_500(team: Team) -> None:
    response = team.call("codes", "DELETE", "/api/v1/tokens/a%00b")
    assert response.status_code == 403
    entry = team.audit(actor="codes")[0]
    assert entry["action"] == "denied" and entry["outcome"] == "403 DELETE /api/v1/tokens/a\ufffdb"
    assert team.call("admin", "GET", "/api/v1/audit", params={"actor": "a\x00b"}).json()["count"] == 0


def test_the_role_is_decided_before_the_body_is_read(team: Team) -> None:
    """A body over the 64 KiB limit would be a 413 once read: a codes token gets its 403 first."""
    big = b'{"name": "' + b"x" * (200 * 1024) + b'"}'
    refused = team.call(
        "codes", "POST", "/api/v1/tokens", data=big, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 403
    allowed = team.call(
        "admin", "POST", "/api/v1/tokens", data=big, headers={"Content-Type": "application/json"}
    )
    assert allowed.status_code == 413


def test_imported_accounts_keep_their_exports_group(team: Team) -> None:
    from pyotp_rs import TOTP, transfer

    accounts = [
        transfer.Account.from_otp(TOTP(secret, name=name, issuer="Vault"), groups=groups)
        for name, secret, groups in (
            ("filed", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43V", ("ops", "home")),
            ("unfiled", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43W", ()),
        )
    ]
    vault = transfer.write_aegis(accounts)
    created = []
    try:
        admin = team.call("admin", "POST", "/api/v1/import", json={"data": vault})
        assert admin.status_code == 201, admin.text
        created += [token["id"] for token in admin.json()["data"]["created"]]
        assert [(t["name"], t["group"]) for t in admin.json()["data"]["created"]] == [
            ("filed", "ops"),
            ("unfiled", None),
        ]
        asked = team.call("admin", "POST", "/api/v1/import", params={"group": "web"}, json={"data": vault})
        created += [token["id"] for token in asked.json()["data"]["created"]]
        assert {token["group"] for token in asked.json()["data"]["created"]} <= {"web"}
        manager = team.call("manager", "POST", "/api/v1/import", json={"data": vault})
        created += [token["id"] for token in manager.json()["data"]["created"]]
        assert {token["group"] for token in manager.json()["data"]["created"]} <= {"infra"}
    finally:
        for token_id in created:
            assert team.call("admin", "DELETE", f"/api/v1/tokens/{token_id}").status_code == 200


def test_hotp_codes_and_imports_follow_roles_and_groups(team: Team) -> None:
    """Issue 25 under issue 23's access model: ``/next`` is a ``codes`` read of the caller's groups,
    audited as ``code.read``; imports place accounts in the caller's group, count as present only
    what the caller reaches, and audit each account created in the import's transaction."""
    from pyotp_rs import HOTP

    secret = "KRUGS4ZANFZSAYLOEBUE6VCQEBZWKY3S"
    door = HOTP(secret, name="door", issuer="Infra", initial_count=3).provisioning_uri()
    created: list[str] = []
    try:
        infra = team.call("admin", "POST", "/api/v1/import", params={"group": "infra"}, json={"data": door})
        assert infra.status_code == 201, infra.text
        [token] = infra.json()["data"]["created"]
        created.append(token["id"])
        assert (token["type"], token["counter"], token["group"], token["secret"]) == (
            "hotp",
            3,
            "infra",
            secret,
        )
        [entry] = team.audit(account=token["id"])
        assert (entry["actor"], entry["action"], entry["label"]) == ("admin", "import", "Infra:door")

        listed = {t["id"]: t for t in team.call("codes_infra", "GET", "/api/v1/codes").json()["data"]}
        assert listed[token["id"]]["current_code"] is None and "secret" not in listed[token["id"]]
        nexts = team.call("codes_infra", "GET", "/api/v1/codes/next").json()["data"]
        assert token["id"] not in {item["id"] for item in nexts}
        code = team.call("codes_infra", "GET", f"/api/v1/tokens/{token['id']}/code")
        assert code.status_code == 400 and "/next" in code.json()["error"]
        for who, counter in (("codes_infra", 3), ("manager", 4), ("codes", 5)):
            handed = team.call(who, "POST", f"/api/v1/tokens/{token['id']}/next")
            assert handed.status_code == 200, (who, handed.text)
            assert handed.json()["data"] == {
                "code": HOTP(secret).at(counter),
                "counter": counter,
                "next_counter": counter + 1,
            }
        reads = [e for e in team.audit(account=token["id"]) if e["action"] == "code.read"]
        assert [(e["actor"], e["outcome"]) for e in reads] == [
            ("codes", "ok, counter 5"),
            ("manager", "ok, counter 4"),
            ("codes_infra", "ok, counter 3"),
        ]

        web = team.call("admin", "POST", "/api/v1/import", params={"group": "web"}, json={"data": door})
        assert web.status_code == 200 and web.json()["data"]["already_present"] == 1  # same secret: present
        moved = team.call("admin", "PATCH", f"/api/v1/tokens/{token['id']}", json={"group": "web"})
        assert moved.status_code == 200
        before = team.state()
        foreign = team.call("codes_infra", "POST", f"/api/v1/tokens/{token['id']}/next")
        assert foreign.status_code == 404 and foreign.json() == {"success": False, "error": "Token not found"}
        assert team.state() == before
        assert team.call("admin", "GET", f"/api/v1/tokens/{token['id']}").json()["data"]["counter"] == 6

        # The manager reaches infra only: the account in web is not present for it.
        mine = team.call("manager", "POST", "/api/v1/import", json={"data": door})
        assert mine.status_code == 201, mine.text
        [copy] = mine.json()["data"]["created"]
        created.append(copy["id"])
        assert (copy["group"], copy["counter"], "secret" in copy) == ("infra", 3, False)
        again = team.call("manager", "POST", "/api/v1/import", json={"data": door}).json()["data"]
        assert (again["created"], again["new"], again["already_present"]) == ([], 0, 1)
    finally:
        for token_id in created:
            assert team.call("admin", "DELETE", f"/api/v1/tokens/{token_id}").status_code == 200
