"""The OpenAPI 3 description of every endpoint, served at ``/api/v1/openapi.json`` and rendered at ``/api/docs``."""

from __future__ import annotations

from typing import Any

from .._pyotp_rs import __version__
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
    "required": ["id", "name", "secret", "issuer", "digits", "period", "algorithm", "created_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "secret": {"type": "string", "description": "Base32 secret, as given"},
        "issuer": {"type": "string", "nullable": True, "description": "null when a URI names no issuer"},
        "digits": {"type": "integer", "minimum": 6, "maximum": 10},
        "period": {"type": "integer", "minimum": 1, "maximum": 120},
        "algorithm": {"type": "string", "enum": ["sha1", "sha256", "sha512"]},
        "created_at": {"type": "string", "format": "date-time"},
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
    },
    "example": {"name": "GitHub", "secret": "JBSWY3DPEHPK3PXP", "issuer": "GitHub"},
}

_MESSAGE = {
    "type": "object",
    "required": ["success", "message"],
    "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}},
}


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the service."""
    return {
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
                    "tags": ["TOTPHog API"],
                    "responses": {
                        "200": _ok(_ref("Code"), "The current code"),
                        **_errors(_TOTPHOG_ERROR, 404),
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
                        "every worker and instance); past the limit every request for the token gets 429."
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
                        "or as the body itself."
                    ),
                    "tags": ["Transfer"],
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
                            "schema": {"type": "string", "enum": ["uris", "migration", "aegis"]},
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
                                "uris: text, one URI per line; migration: the URIs and their QR codes (one per "
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
                            "properties": {"current_code": _ref("Code")},
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
                "ImportResult": {
                    "type": "object",
                    "required": ["format", "created", "skipped", "warnings"],
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
