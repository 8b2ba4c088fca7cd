"""The OpenAPI 3 description of every endpoint, served at ``/api/v1/openapi.json`` and rendered at ``/api/docs``."""

from __future__ import annotations

from typing import Any

from .._pyotp_rs import __version__
from .audit import ACTIONS
from .config import MAX_BODY_BYTES

__all__ = ["document"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ok(data: dict[str, Any], description: str) -> dict[str, Any]:
    return _json(
        {
            "type": "object",
            "required": ["success", "data"],
            "properties": {"success": {"type": "boolean", "enum": [True]}, "data": data},
        },
        description,
    )


_TOTPHOG_ERROR = _ref("Error")
_ALGORITHM = "^[sS][hH][aA](1|256|512)$"  # SHA1, SHA256 or SHA512 in any case
_TEAM_ERROR = _ref("TeamError")
_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The token's id (UUID v4)",
    "schema": {"type": "string"},
}


def _errors(schema: dict[str, str], *statuses: int) -> dict[str, Any]:
    words = {
        400: "Bad request: the message names the problem",
        401: "An API token is required (when the service has API tokens, or listens beyond loopback)",
        403: "An upload without an Authorization header or a same-origin Origin (a form another page could send)",
        404: "Not found",
        415: "The body is not declared Content-Type: application/json",
        413: f"Request body over {MAX_BODY_BYTES} bytes",
        429: "Too many wrong codes for this token: wait the seconds that Retry-After gives",
    }
    return {str(status): _json(schema, words[status]) for status in (401, *statuses)}


_TOKEN = {
    "type": "object",
    "required": ["id", "name", "issuer", "digits", "period", "algorithm", "created_at", "group"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "secret": {
            "type": "string",
            "description": "Base32 secret, as given but without spaces or dashes, in upper case: shown to admin API tokens only",
        },
        "issuer": {"type": "string", "nullable": True, "description": "null when a URI names no issuer"},
        "digits": {"type": "integer", "minimum": 6, "maximum": 10},
        "period": {"type": "integer", "minimum": 1, "maximum": 120},
        "algorithm": {"type": "string", "enum": ["sha1", "sha256", "sha512"]},
        "created_at": {"type": "string", "format": "date-time"},
        "group": {"type": "string", "nullable": True, "description": "The account's group; null when none"},
        "type": {
            "type": "string",
            "enum": ["hotp"],
            "description": "Only on HOTP (counter-based) tokens, which imports create; TOTP tokens have no type",
        },
        "counter": {
            "type": "integer",
            "minimum": 0,
            "description": "HOTP tokens: the counter of the next code (POST /api/v1/tokens/{id}/next hands it out)",
        },
    },
}

_CODE = {
    "type": "object",
    "required": ["code", "remaining_seconds", "period", "generated_at"],
    "properties": {
        "code": {"type": "string", "pattern": "^[0-9]{6,10}$"},
        "remaining_seconds": {"type": "integer", "minimum": 1, "maximum": 120},
        "period": {"type": "integer", "minimum": 1, "maximum": 120},
        "generated_at": {"type": "string", "format": "date-time"},
    },
}

_NEW_TOKEN = {
    "type": "object",
    "description": "Either `uri`, or `name` and `secret` with optional parameters; null is the same as absent.",
    "properties": {
        "uri": {"type": "string", "nullable": True, "description": "An otpauth://totp/ URI"},
        "name": {"type": "string", "nullable": True, "maxLength": 256},
        "secret": {"type": "string", "nullable": True, "description": "Base32, at least 80 bits"},
        "issuer": {
            "type": "string",
            "nullable": True,
            "maxLength": 256,
            "default": "TOTPHog",
            "description": "Absent: TOTPHog, or what `pyotp-rs serve --default-issuer` says",
        },
        "digits": {"type": "integer", "nullable": True, "minimum": 6, "maximum": 10, "default": 6},
        "period": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 120, "default": 30},
        "algorithm": {
            "type": "string",
            "nullable": True,
            "pattern": _ALGORITHM,
            "default": "sha1",
            "description": "Any case",
        },
        "group": {
            "type": "string",
            "nullable": True,
            "maxLength": 256,
            "description": "The account's group (an API token limited to one group puts it there by default)",
        },
    },
    "example": {"name": "GitHub", "secret": "JBSWY3DPEHPK3PXP", "issuer": "GitHub"},
}

_TOKEN_UPDATE = {
    "type": "object",
    "description": "Any of name, issuer and group; the secret, digits, period and algorithm cannot change (400).",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 256},
        "issuer": {"type": "string", "nullable": True, "maxLength": 256},
        "group": {"type": "string", "nullable": True, "maxLength": 256},
    },
    "example": {"name": "GitHub (work)", "group": "engineering"},
}

_CALLER = {
    "type": "object",
    "required": ["name", "role", "groups"],
    "properties": {
        "name": {"type": "string", "description": "The API token's name; `local` in open loopback mode"},
        "role": {"type": "string", "enum": ["codes", "manage", "admin"]},
        "groups": {
            "type": "array",
            "nullable": True,
            "items": {"type": "string"},
            "description": "null: every account",
        },
    },
}

_AUDIT_ENTRY = {
    "type": "object",
    "required": ["time", "actor", "action", "account_ids", "label", "remote_addr", "outcome"],
    "properties": {
        "time": {"type": "string", "format": "date-time"},
        "actor": {
            "type": "string",
            "nullable": True,
            "description": "The API token's name, `local` in open mode, `cli` for commands; null when unknown",
        },
        "action": {"type": "string", "enum": list(ACTIONS)},
        "account_ids": {"type": "array", "items": {"type": "string"}},
        "label": {"type": "string", "nullable": True},
        "remote_addr": {"type": "string", "nullable": True},
        "outcome": {"type": "string"},
    },
}

ROLES = {
    "listTokens": "codes",
    "createToken": "manage",
    "deleteAllTokens": "admin",
    "getToken": "codes",
    "updateToken": "manage",
    "deleteToken": "manage",
    "getCode": "codes",
    "nextHotpCode": "codes",
    "verifyCode": "codes",
    "getAllCodes": "codes",
    "getQrCode": "admin",
    "getNextCodes": "codes",
    "decodeQrCode": "manage",
    "importAccounts": "manage",
    "exportAccounts": "admin",
    "setup": "manage",
    "getTotp": "codes",
    "totpGenerate": "codes",
    "getMe": "codes",
    "getAuditLog": "admin",
}
"""The least role of each operation (``codes`` < ``manage`` < ``admin``), as ``access.requires`` declares it."""


def _with_roles(paths: dict[str, Any]) -> None:
    """Each operation that needs an API token says which role, and answers 403 below it."""
    for item in paths.values():
        for operation in item.values():
            role = ROLES.get(operation.get("operationId", "")) if isinstance(operation, dict) else None
            if role is None:
                continue
            operation["x-role"] = role
            note = f"Role: `{role}` or above."
            operation["description"] = (
                f"{operation['description']} {note}" if "description" in operation else note
            )
            schema = (
                _TEAM_ERROR if "TeamError" in str(operation["responses"].get("401", "")) else _TOTPHOG_ERROR
            )
            operation["responses"].setdefault(
                "403", _json(schema, "The API token's role or groups do not allow this")
            )


_MESSAGE = {
    "type": "object",
    "required": ["success", "message"],
    "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}},
}

_MESSAGE = {
    "type": "object",
    "required": ["success", "message"],
    "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}},
}


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the service."""
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "pyotp-rs team TOTP service",
            "version": __version__,
            "description": (
                "The TOTPHog API under /api/v1, the team API (/setup, /get-totp), enrolment "
                "(/v1/auth/totp-generate), and import and export (/api/v1/import, /api/v1/export). "
                "Secrets are stored encrypted. When the service has API tokens, "
                "every endpoint except the health check and this description needs `Authorization: Bearer`."
            ),
        },
        "security": [{}, {"bearer": []}],
        "paths": {
            "/api/v1/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Health check",
                    "tags": ["TOTPHog API"],
                    "security": [],
                    "responses": {
                        "200": _json(_ref("Health"), "The service is running (not wrapped in success/data)")
                    },
                }
            },
            "/api/v1/tokens": {
                "get": {
                    "operationId": "listTokens",
                    "summary": "List tokens",
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["success", "data", "count"],
                                "properties": {
                                    "success": {"type": "boolean"},
                                    "data": {"type": "array", "items": _ref("Token")},
                                    "count": {"type": "integer", "minimum": 0},
                                },
                            },
                            "Every token, oldest first",
                        ),
                        **_errors(_TOTPHOG_ERROR),
                    },
                },
                "post": {
                    "operationId": "createToken",
                    "summary": "Create a token from an otpauth URI or from its fields",
                    "tags": ["TOTPHog API"],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("NewToken")}},
                    },
                    "responses": {
                        "201": {
                            **_ok(_ref("Token"), "Created"),
                            "links": {
                                name: {"operationId": op, "parameters": {"id": "$response.body#/data/id"}}
                                for name, op in (
                                    ("GetToken", "getToken"),
                                    ("GetCode", "getCode"),
                                    ("GetQrCode", "getQrCode"),
                                    ("VerifyCode", "verifyCode"),
                                    ("NextHotpCode", "nextHotpCode"),
                                    ("DeleteToken", "deleteToken"),
                                )
                            },
                        },
                        **_errors(_TOTPHOG_ERROR, 400, 413),
                    },
                },
                "delete": {
                    "operationId": "deleteAllTokens",
                    "summary": "Delete all tokens",
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["success", "message", "deleted_count"],
                                "properties": {
                                    "success": {"type": "boolean"},
                                    "message": {"type": "string"},
                                    "deleted_count": {"type": "integer", "minimum": 0},
                                },
                            },
                            "Deleted",
                        ),
                        **_errors(_TOTPHOG_ERROR),
                    },
                },
            },
            "/api/v1/tokens/{id}": {
                "parameters": [_ID],
                "get": {
                    "operationId": "getToken",
                    "summary": "Get a token",
                    "tags": ["TOTPHog API"],
                    "responses": {"200": _ok(_ref("Token"), "The token"), **_errors(_TOTPHOG_ERROR, 404)},
                },
                "patch": {
                    "operationId": "updateToken",
                    "summary": "Rename a token, change its issuer, or move it to another group",
                    "tags": ["TOTPHog API"],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("TokenUpdate")}},
                    },
                    "responses": {
                        "200": _ok(_ref("Token"), "The updated token"),
                        **_errors(_TOTPHOG_ERROR, 400, 404, 413),
                    },
                },
                "delete": {
                    "operationId": "deleteToken",
                    "summary": "Delete a token",
                    "tags": ["TOTPHog API"],
                    "responses": {"200": _json(_MESSAGE, "Token deleted"), **_errors(_TOTPHOG_ERROR, 404)},
                },
            },
            "/api/v1/tokens/{id}/code": {
                "parameters": [_ID],
                "get": {
                    "operationId": "getCode",
                    "summary": "The token's current code",
                    "description": "An HOTP token is a 400: its codes come from POST /api/v1/tokens/{id}/next.",
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _ok(_ref("Code"), "The current code"),
                        **_errors(_TOTPHOG_ERROR, 400, 404),
                    },
                },
            },
            "/api/v1/tokens/{id}/verify": {
                "parameters": [_ID],
                "post": {
                    "operationId": "verifyCode",
                    "summary": "Verify a user's code: each time step is accepted once, wrong codes are throttled",
                    "description": (
                        "A wrong or malformed code counts against the token (5 per 5 minutes by default, shared by "
                        "every worker and instance); past the limit every request for the token gets 429. "
                        "An HOTP token is a 400: the service verifies TOTP codes only."
                    ),
                    "tags": ["Verification"],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("VerifyRequest")}},
                    },
                    "responses": {
                        "200": _ok(_ref("Verdict"), "The verdict: accepted with its time step, or why not"),
                        **_errors(_TOTPHOG_ERROR, 400, 404, 413),
                        "429": {
                            **_json(_TOTPHOG_ERROR, "Too many wrong codes for this token"),
                            "headers": {
                                "Retry-After": {
                                    "description": "Seconds until the token accepts codes again",
                                    "schema": {"type": "integer", "minimum": 1},
                                }
                            },
                        },
                    },
                },
            },
            "/api/v1/tokens/{id}/next": {
                "parameters": [_ID],
                "post": {
                    "operationId": "nextHotpCode",
                    "summary": "An HOTP token's next code: its counter advances by one",
                    "description": (
                        "The counter advances in one conditional statement: concurrent requests, on any worker "
                        "or instance, never get the same counter. Listings never advance it. A TOTP token is a 400; "
                        "a token outside the API token's groups is a 404. Audited as `code.read`."
                    ),
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _ok(_ref("HotpCode"), "The code at the counter handed out"),
                        **_errors(_TOTPHOG_ERROR, 400, 404),
                    },
                },
            },
            "/api/v1/codes": {
                "get": {
                    "operationId": "getAllCodes",
                    "summary": "Every token with its current code",
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _ok({"type": "array", "items": _ref("TokenWithCode")}, "Every token and code"),
                        **_errors(_TOTPHOG_ERROR),
                    },
                }
            },
            "/api/v1/tokens/{id}/qr": {
                "parameters": [_ID],
                "get": {
                    "operationId": "getQrCode",
                    "summary": "The token's provisioning URI as a QR code",
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": {
                            "description": "PNG image",
                            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                        },
                        **_errors(_TOTPHOG_ERROR, 404),
                    },
                },
            },
            "/api/v1/codes/next": {
                "get": {
                    "operationId": "getNextCodes",
                    "summary": "Every token's current and next code (the web page shows the next one in a step's "
                    "last seconds)",
                    "tags": ["Web page"],
                    "responses": {
                        "200": _ok({"type": "array", "items": _ref("NextCode")}, "Every token's codes"),
                        **_errors(_TOTPHOG_ERROR),
                    },
                }
            },
            "/api/v1/qr/decode": {
                "post": {
                    "operationId": "decodeQrCode",
                    "summary": "The text of the QR code in an image (a screenshot dropped on the web page)",
                    "tags": ["Web page"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            **{
                                kind: {"schema": {"type": "string", "format": "binary"}}
                                for kind in (
                                    "image/png",
                                    "image/jpeg",
                                    "image/gif",
                                    "image/bmp",
                                    "image/webp",
                                )
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["text"],
                                "properties": {"text": {"type": "string"}},
                            },
                            "The QR code's text",
                        ),
                        **_errors(_TOTPHOG_ERROR, 400, 403),
                        "413": _json(_TOTPHOG_ERROR, "Image over 8 MiB"),
                    },
                }
            },
            "/api/v1/import": {
                "post": {
                    "operationId": "importAccounts",
                    "summary": "Import an export: a token per account, and the entries that were skipped",
                    "description": (
                        "Google Authenticator otpauth-migration:// URIs, an Aegis vault (plain or encrypted), "
                        "TOTPHog's tokens.json, a team secrets.json (its users are set up for /get-totp) or "
                        'otpauth:// URIs one per line; sent as a file upload, as {"data": ..., "password": ...}, '
                        "or as the body itself. TOTP and HOTP accounts (with their counter) are stored, all in one "
                        "transaction; accounts already present are skipped, so importing a file twice creates "
                        "nothing the second time (for an API token limited to groups: present in its groups)."
                    ),
                    "tags": ["Transfer"],
                    "parameters": [
                        {
                            "name": "group",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": (
                                "The group of the imported accounts. Without it, an API token limited to one "
                                "group imports into it, one limited to several must name one (403), and one "
                                "with every group files each account under the first group its export gave it"
                            ),
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "password": {
                                            "type": "string",
                                            "description": "Of an encrypted vault",
                                        },
                                    },
                                }
                            },
                            "application/json": {
                                "schema": {
                                    "description": (
                                        '{"data": "<export text>", "password": "..."}, '
                                        "or a JSON export itself (Aegis vault, tokens.json, secrets.json)"
                                    ),
                                },
                                "example": {"data": "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP"},
                            },
                            "text/plain": {"schema": {"type": "string", "description": "The export text"}},
                        },
                    },
                    "responses": {
                        "201": _ok(_ref("ImportResult"), "At least one token or user was created"),
                        "200": _ok(_ref("ImportResult"), "Nothing was created; `skipped` says why"),
                        **_errors(_TOTPHOG_ERROR, 400, 403, 413),
                    },
                }
            },
            "/api/v1/export": {
                "get": {
                    "operationId": "exportAccounts",
                    "summary": "Every token as otpauth:// URIs, Google Authenticator migration QR codes, or an Aegis vault",
                    "tags": ["Transfer"],
                    "parameters": [
                        {
                            "name": "format",
                            "in": "query",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "enum": ["uris", "portable-uris", "migration", "aegis"],
                            },
                            "description": "portable-uris: every parameter explicit, as Ente Auth, 2FAS "
                            "and Bitwarden read them",
                        },
                        {
                            "name": "X-Export-Password",
                            "in": "header",
                            "description": "aegis: encrypt the vault with this password (ASCII only: "
                            "HTTP headers carry no UTF-8)",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": (
                                "uris, portable-uris: text, one URI per line; migration: the URIs and their QR codes (one per "
                                "10 accounts); aegis: the vault. Tokens the format cannot hold are left out "
                                "and listed: in `skipped` (migration) or in the `X-Export-Skipped` header, a "
                                'JSON array of {"label", "reason"} (uris)'
                            ),
                            "headers": {
                                "X-Export-Skipped": {
                                    "description": "uris: the tokens left out, as JSON",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": {
                                "text/plain": {"schema": {"type": "string"}},
                                "application/json": {"schema": {"type": "object"}},
                            },
                        },
                        **_errors(_TOTPHOG_ERROR, 400),
                    },
                }
            },
            "/setup": {
                "post": {
                    "operationId": "setup",
                    "summary": "Set up a username with a secret (again: replace its secret)",
                    "tags": ["Team API"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["username", "secret"],
                                    "properties": {
                                        "username": {"type": "string", "maxLength": 256},
                                        "secret": {"type": "string"},
                                    },
                                    "example": {"username": "alice", "secret": "JBSWY3DPEHPK3PXP"},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["secret", "username"],
                                "properties": {"secret": {"type": "string"}, "username": {"type": "string"}},
                            },
                            "Set up",
                        )
                        | {
                            "links": {
                                "GetTotp": {
                                    "operationId": "getTotp",
                                    "parameters": {"username": "$response.body#/username"},
                                }
                            }
                        },
                        **_errors(_TEAM_ERROR, 400, 413, 415),
                    },
                }
            },
            "/get-totp/{username}": {
                "get": {
                    "operationId": "getTotp",
                    "summary": "The current code of a username",
                    "tags": ["Team API"],
                    "parameters": [
                        {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["totp", "username"],
                                "properties": {"totp": {"type": "string"}, "username": {"type": "string"}},
                            },
                            "The current code",
                        ),
                        **_errors(_TEAM_ERROR, 404),
                    },
                }
            },
            "/v1/auth/totp-generate": {
                "get": {
                    "operationId": "totpGenerate",
                    "summary": "Enrol: a new secret with its URI, QR code and current code (stores nothing)",
                    "tags": ["Enrolment"],
                    "parameters": [
                        {"name": "issuer", "in": "query", "required": True, "schema": {"type": "string"}},
                        {
                            "name": "account_name",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "digits",
                            "in": "query",
                            "schema": {"type": "integer", "enum": [6, 8], "default": 6},
                        },
                        {
                            "name": "period",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 10, "maximum": 120, "default": 30},
                        },
                        {
                            "name": "algorithm",
                            "in": "query",
                            "description": "Any case",
                            "schema": {
                                "type": "string",
                                "pattern": _ALGORITHM,
                                "default": "SHA1",
                            },
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("Enrolment"), "The new secret"),
                        **_errors(_TEAM_ERROR, 400),
                    },
                }
            },
            "/api/v1/me": {
                "get": {
                    "operationId": "getMe",
                    "summary": "The caller: its API token's name, role and groups",
                    "description": "An admin may ask about another API token with `name`.",
                    "tags": ["Access"],
                    "parameters": [
                        {
                            "name": "name",
                            "in": "query",
                            "description": "Another API token's name (admins only)",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": _ok(_CALLER, "The caller"), **_errors(_TOTPHOG_ERROR, 404)},
                }
            },
            "/api/v1/audit": {
                "get": {
                    "operationId": "getAuditLog",
                    "summary": "The audit log, newest first: who read which code or secret and who changed what",
                    "description": "No code or secret is ever written to it.",
                    "tags": ["Access"],
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                        },
                        {"name": "actor", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "account",
                            "in": "query",
                            "description": "An account (token) id",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "description": "ISO 8601 with its UTC offset",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["success", "data", "count"],
                                "properties": {
                                    "success": {"type": "boolean", "enum": [True]},
                                    "data": {"type": "array", "items": _ref("AuditEntry")},
                                    "count": {"type": "integer", "minimum": 0},
                                },
                            },
                            "The entries",
                        ),
                        **_errors(_TOTPHOG_ERROR, 400),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Token": _TOKEN,
                "Code": _CODE,
                "TokenWithCode": {
                    "allOf": [
                        _ref("Token"),
                        {
                            "type": "object",
                            "required": ["current_code"],
                            "properties": {
                                "current_code": {
                                    "nullable": True,
                                    "allOf": [_ref("Code")],
                                    "description": "null for an HOTP token (its codes come from .../next)",
                                }
                            },
                        },
                    ]
                },
                "NextCode": {
                    "type": "object",
                    "required": [
                        "id",
                        "code",
                        "next_code",
                        "remaining_seconds",
                        "ends_in_ms",
                        "period",
                        "generated_at",
                    ],
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "code": {"type": "string", "pattern": "^[0-9]{6,10}$"},
                        "next_code": {"type": "string", "pattern": "^[0-9]{6,10}$"},
                        "remaining_seconds": {"type": "integer", "minimum": 1, "maximum": 120},
                        "ends_in_ms": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 120000,
                            "description": "When the current code's step ends, in milliseconds",
                        },
                        "period": {"type": "integer", "minimum": 1, "maximum": 120},
                        "generated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "NewToken": _NEW_TOKEN,
                "HotpCode": {
                    "type": "object",
                    "required": ["code", "counter", "next_counter"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[0-9]{6,10}$"},
                        "counter": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "The counter of this code",
                        },
                        "next_counter": {"type": "integer", "minimum": 1},
                    },
                },
                "TokenUpdate": _TOKEN_UPDATE,
                "AuditEntry": _AUDIT_ENTRY,
                "ImportResult": {
                    "type": "object",
                    "required": ["format", "created", "skipped", "warnings", "new", "already_present"],
                    "properties": {
                        "format": {
                            "type": "string",
                            "enum": ["migration", "aegis", "totphog", "team", "uris"],
                        },
                        "created": {
                            "type": "array",
                            "description": "Tokens, or {username} for the users of a team secrets.json",
                            "items": {"type": "object"},
                        },
                        "skipped": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["label", "reason"],
                                "properties": {"label": {"type": "string"}, "reason": {"type": "string"}},
                            },
                        },
                        "warnings": {"type": "array", "items": {"type": "string"}},
                        "new": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "How many accounts were created",
                        },
                        "already_present": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "How many were skipped as already present (same secret, type, digits, "
                            "period and algorithm; for secrets.json, same username and secret)",
                        },
                    },
                },
                "VerifyRequest": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "pattern": "^[0-9]{6,10}$",
                            "description": "As the user typed it",
                        },
                        "valid_window": {
                            "type": "integer",
                            "nullable": True,
                            "minimum": 0,
                            "maximum": 10,
                            "default": 1,
                            "description": "Time steps accepted on each side of the current one",
                        },
                    },
                    "example": {"code": "123456"},
                },
                "Verdict": {
                    "type": "object",
                    "required": ["valid"],
                    "properties": {
                        "valid": {"type": "boolean"},
                        "timecode": {"type": "integer", "description": "The accepted time step (when valid)"},
                        "reason": {
                            "type": "string",
                            "enum": ["invalid", "replayed"],
                            "description": "Why not (when not valid): a wrong code, or a step already accepted",
                        },
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "service", "version", "timestamp"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok"]},
                        "service": {"type": "string", "enum": ["TOTPHog"], "description": "As TOTPHog says"},
                        "implementation": {"type": "string", "enum": ["pyotp-rs"]},
                        "version": {"type": "string"},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "unreadable_tokens": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Stored secrets that do not decrypt under the server key "
                            "(left out of every list, logged)",
                        },
                    },
                },
                "Enrolment": {
                    "type": "object",
                    "required": ["secret", "uri", "qr_code", "current_code"],
                    "properties": {
                        "secret": {"type": "string", "pattern": "^[A-Z2-7]{32}$"},
                        "uri": {"type": "string", "pattern": "^otpauth://totp/"},
                        "qr_code": {"type": "string", "pattern": "^data:image/png;base64,"},
                        "current_code": {"type": "string", "pattern": "^[0-9]{6,8}$"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["success", "error"],
                    "properties": {
                        "success": {"type": "boolean", "enum": [False]},
                        "error": {"type": "string"},
                    },
                },
                "TeamError": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
            },
        },
    }
    _with_roles(spec["paths"])
    return spec
