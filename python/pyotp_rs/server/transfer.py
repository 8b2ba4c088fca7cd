"""Moving accounts in and out of the service: ``POST /api/v1/import`` and ``GET /api/v1/export``.

Import takes whatever :func:`pyotp_rs.transfer.read` reads (Google Authenticator migration URIs,
an Aegis vault, TOTPHog's ``tokens.json``, a team ``secrets.json``, otpauth URIs): as an uploaded
file (multipart field ``file``, optional field ``password``), as ``{"data": "...", "password":
"..."}``, or as the raw request body. Accounts become tokens (a team ``secrets.json`` becomes team
API users); entries that cannot be stored are listed with the reason. Export writes every token
as ``format=uris``, ``migration`` or ``aegis`` (encrypted when an ``X-Export-Password`` header is
sent).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from .. import qr, transfer
from ..totp import TOTP
from . import access
from .http import service, string_field, takes_uploads
from .service import BadRequest, TokenFields
from .totphog import token_json

__all__ = ["blueprint"]

blueprint = Blueprint("transfer", __name__, url_prefix="/api/v1")

_EXPORT_FORMATS = ("uris", "migration", "aegis")


def _source() -> tuple[str | bytes, str | None]:
    """The export to import and its password, from a file upload, a JSON wrapper or the raw body."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), request.form.get("password") or None
    body = request.get_data(cache=False)
    if request.is_json:
        try:
            wrapper = json.loads(body)
        except (ValueError, RecursionError):
            wrapper = None  # not JSON after all: the reader says so
        if isinstance(wrapper, dict) and isinstance(wrapper.get("data"), str):
            return wrapper["data"], string_field(wrapper, "password")
    if not body.strip():
        raise BadRequest('Nothing to import: send a file, {"data": "..."} or the export as the body')
    return body, None


def _store(account: transfer.Account, kind: str, group: str | None) -> dict[str, Any]:
    """Stores one imported account; returns what was created."""
    otp = account.otp
    if kind == "team":
        access.require_every_group()
        service().setup_user(account.name, otp.secret, access.trail())
        return {"username": account.name}
    if account.type != "totp" or not isinstance(otp, TOTP):
        raise BadRequest(f"{account.type.upper()} accounts cannot be stored: the service holds TOTP tokens")
    fields = TokenFields(
        name=account.name or "Unknown",
        secret=otp.secret,
        issuer=account.issuer or None,
        digits=otp.digits,
        period=int(otp.interval),
        algorithm=otp.digest().name,
        group=group,
    )
    return access.shown(service().create_token(fields, access.trail(), "import"), token_json)


@blueprint.post("/import")
@access.requires("manage")
@takes_uploads
def import_accounts() -> Any:
    """Creates a token for every account of the export; the rest are listed in ``skipped``.

    A caller limited to one group imports into it; one limited to several groups must name one
    (``?group=``); with every group, ``?group=`` puts the accounts in that group.
    """
    group = access.place(request.args.get("group"))
    data, password = _source()
    try:
        report = transfer.read(data, password=password)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    created: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for entry in report.entries:
        if entry.account is None:
            skipped.append({"label": entry.label, "reason": entry.reason})
            continue
        try:
            created.append(_store(entry.account, report.format, group))
        except BadRequest as error:
            skipped.append({"label": entry.label, "reason": error.message})
    body = {
        "format": report.format,
        "created": created,
        "skipped": skipped,
        "warnings": list(report.warnings),
    }
    return {"success": True, "data": body}, 201 if created else 200


@blueprint.get("/export")
@access.requires("admin")
def export_accounts() -> Any:
    """Every token as ``uris`` (text), ``migration`` (URIs and QR codes, JSON) or ``aegis`` (a vault)."""
    kind = request.args.get("format", "")
    if kind not in _EXPORT_FORMATS:
        raise BadRequest(f"format must be one of {', '.join(_EXPORT_FORMATS)}")
    tokens = service().list_tokens()
    accounts = [transfer.Account(token.totp(), token.name, token.issuer or "", "totp") for token in tokens]
    access.audit("export", [token.id for token in tokens], outcome=f"format {kind}")
    try:
        if kind == "migration":
            uris = transfer.write_migration(accounts)
            codes = [qr.make(uri).data_uri() for uri in uris]
            return {"success": True, "data": {"uris": uris, "qr_codes": codes, "count": len(accounts)}}
        if kind == "aegis":
            password = request.headers.get("X-Export-Password") or None
            text, mimetype, name = (
                transfer.write_aegis(accounts, password=password),
                "application/json",
                "aegis.json",
            )
        else:
            text, mimetype, name = transfer.write_uris(accounts), "text/plain", "otpauth-uris.txt"
    except ValueError as error:
        raise BadRequest(str(error)) from None
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
