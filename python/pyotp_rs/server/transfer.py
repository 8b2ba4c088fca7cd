"""Moving accounts in and out of the service: ``POST /api/v1/import`` and ``GET /api/v1/export``.

Import takes whatever :func:`pyotp_rs.transfer.read` reads (Google Authenticator migration URIs,
an Aegis vault, TOTPHog's ``tokens.json``, a team ``secrets.json``, otpauth URIs): as an uploaded
file (multipart field ``file``, optional field ``password``), as ``{"data": "...", "password":
"..."}``, or as the raw request body. Accounts become tokens (a team ``secrets.json`` becomes team
API users), all in one transaction; entries that cannot be stored, and accounts already present,
are listed with the reason (see :mod:`.importing`). Export writes every token as ``format=uris``,
``portable-uris``, ``migration`` or ``aegis`` (encrypted when an ``X-Export-Password`` header is sent).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from flask import Blueprint, Response, request

from .. import qr, transfer
from . import access
from .http import service, string_field, takes_uploads
from .importing import import_report
from .service import BadRequest, Token
from .totphog import token_json

__all__ = ["blueprint"]

blueprint = Blueprint("transfer", __name__, url_prefix="/api/v1")

_EXPORT_FORMATS = ("uris", "portable-uris", "migration", "aegis")
_URI_WRITERS = {"uris": transfer.write_uris, "portable-uris": transfer.write_portable_uris}


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


@blueprint.post("/import")
@access.requires("manage")
@takes_uploads
def import_accounts() -> Any:
    """Creates a token for every new account of the export, in one transaction; the rest are in ``skipped``.

    ``new`` counts the accounts created, ``already_present`` those skipped because they are stored
    (for a caller limited to groups: stored in its groups). A caller limited to one group imports
    into it; one limited to several groups must name one (``?group=``); with every group,
    ``?group=`` puts the accounts in that group, and without it each account goes to the first group
    its export gave it (Aegis and 2FAS groups, Bitwarden folders). A team ``secrets.json`` needs a
    caller with every group (its users belong to none).
    """
    asked = request.args.get("group")
    group = access.place(asked)
    who = access.caller()
    keep_groups = asked is None and who.groups is None
    data, password = _source()
    try:
        report = transfer.read(data, password=password)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    if report.format == "team":
        access.require_every_group()
    result = import_report(
        service(), report, group=group, keep_groups=keep_groups, reach=who.groups, trail=access.trail()
    )
    created: list[dict[str, Any]] = [access.shown(token, token_json) for token in result.tokens]
    created += [{"username": username} for username in result.usernames]
    body = {
        "format": report.format,
        "created": created,
        "skipped": [{"label": label, "reason": reason} for label, reason in result.skipped],
        "warnings": list(report.warnings),
        "new": len(created),
        "already_present": result.present,
    }
    return {"success": True, "data": body}, 201 if created else 200


def _account(token: Token) -> transfer.Account:
    """A token as an account (an HOTP token's OTP starts at its next counter)."""
    kind: Literal["totp", "hotp"] = "hotp" if token.type == "hotp" else "totp"
    return transfer.Account(token.otp(), token.name, token.issuer or "", kind)


def _unfit(kind: str, account: transfer.Account) -> str | None:
    """Why ``account`` does not fit the export format ``kind``, or None when it does."""
    digits, period = account.otp.digits, int(getattr(account.otp, "interval", 30))
    if kind in _URI_WRITERS and digits not in (6, 7, 8):
        return f"{digits} digits: otpauth URIs carry only 6, 7 or 8"
    if kind == "migration" and digits not in (6, 8):
        return f"{digits} digits: Google Authenticator migrations carry only 6 or 8"
    if kind == "migration" and period != 30:
        return f"a {period}-second period: Google Authenticator migrations carry only 30"
    return None


def _split(
    kind: str, accounts: list[transfer.Account]
) -> tuple[list[transfer.Account], list[dict[str, str]]]:
    """The accounts that the format holds, and the others as ``{"label", "reason"}``."""
    fit, skipped = [], []
    for account in accounts:
        reason = _unfit(kind, account)
        if reason is None:
            fit.append(account)
        else:
            skipped.append({"label": account.label, "reason": reason})
    return fit, skipped


def _export_password() -> str | None:
    """The ``X-Export-Password`` header; non-ASCII is refused, since HTTP headers arrive as Latin-1."""
    password = request.headers.get("X-Export-Password") or None
    if password is not None and not password.isascii():
        raise BadRequest(
            "X-Export-Password must be ASCII: HTTP headers carry no UTF-8, and a vault encrypted under "
            "the misread password would never open with the typed one"
        )
    return password


@blueprint.get("/export")
@access.requires("admin")
def export_accounts() -> Any:
    """Every token as ``uris`` or ``portable-uris`` (text), ``migration`` (URIs and QR codes, JSON) or
    ``aegis`` (a vault). ``portable-uris`` writes every parameter, as Ente Auth, 2FAS and Bitwarden read them.

    Tokens that the format cannot hold are left out and listed: in ``skipped`` (migration), or in
    the ``X-Export-Skipped`` header as a JSON array (uris, portable-uris).
    """
    kind = request.args.get("format", "")
    if kind not in _EXPORT_FORMATS:
        raise BadRequest(f"format must be one of {', '.join(_EXPORT_FORMATS)}")
    password = _export_password() if kind == "aegis" else None
    tokens = service().list_tokens()
    every = [_account(token) for token in tokens]
    accounts, skipped = _split(kind, every)
    exported = [token.id for token, account in zip(tokens, every) if _unfit(kind, account) is None]
    access.audit("export", exported, outcome=f"format {kind}")
    try:
        if kind == "migration":
            uris = transfer.write_migration(accounts) if accounts else []
            codes = [qr.make(uri).data_uri() for uri in uris]
            data = {"uris": uris, "qr_codes": codes, "count": len(accounts), "skipped": skipped}
            return {"success": True, "data": data}
        if kind == "aegis":
            text, mimetype, name = (
                transfer.write_aegis(accounts, password=password),
                "application/json",
                "aegis.json",
            )
        else:
            text, mimetype, name = _URI_WRITERS[kind](accounts), "text/plain", "otpauth-uris.txt"
    except ValueError as error:
        raise BadRequest(str(error)) from None
    response = Response(text, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if skipped:
        response.headers["X-Export-Skipped"] = json.dumps(skipped)
    return response
