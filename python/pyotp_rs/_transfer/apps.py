"""The plain JSON and CSV exports of other authenticators, read into accounts.

Each reader takes the parsed document and returns the entries, one per account the file holds;
a member of the wrong type makes its entry skipped with the reason, never a different account.
Encrypted exports are decrypted in Rust first (:mod:`pyotp_rs.transfer` does it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .model import (
    Account,
    Entry,
    Skip,
    algorithm_of,
    build,
    entries,
    entry,
    integer,
    label_of,
    obj,
    secret_of_bytes,
    text,
)
from .uris import account_from_uri

Doc = Mapping[str, Any]
_KINDS = {"TOTP": "totp", "HOTP": "hotp", "STEAM": "steam"}


def _kind(name: str) -> str:
    kind = _KINDS.get(name.upper())
    if kind is None:
        raise Skip(f"unsupported type {name}")
    return kind


def names(items: object, key: str = "id", name: str = "name") -> dict[Any, str]:
    """``{id: name}`` of a list of group or folder objects; malformed members are left out."""
    if not isinstance(items, list):
        return {}
    return {
        item[key]: item[name]
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get(name), str)
        and isinstance(item.get(key), (str, int))
    }


# -- 2FAS ---------------------------------------------------------------------------------------


def twofas(services: list[object], groups: dict[Any, str]) -> tuple[Entry, ...]:
    """2FAS services (schema 1 to 4): ``secret``, ``name`` and the ``otp`` object."""

    def label(service: Doc) -> str:
        otp = obj(service, "otp")
        return label_of(text(otp, "issuer") or text(service, "name"), text(otp, "account"))

    def make(service: Doc) -> Account:
        otp = obj(service, "otp")
        issuer = text(otp, "issuer") or text(service, "name")
        group = groups.get(service.get("groupId"))
        kind = _kind(text(otp, "tokenType", "TOTP"))
        return build(
            kind,
            text(service, "secret"),
            text(otp, "account"),
            issuer,
            algorithm_of(text(otp, "algorithm", "SHA1")),
            integer(otp, "digits", 6),
            integer(otp, "period", 30),
            integer(otp, "counter", 0),
            (group,) if group else (),
        )

    return entries(services, label, make)


# -- andOTP -------------------------------------------------------------------------------------


def andotp(items: list[object]) -> tuple[Entry, ...]:
    """andOTP's list of accounts; old versions wrote ``issuer:label`` in ``label``."""

    def names(item: Doc) -> tuple[str, str]:
        issuer, name = text(item, "issuer"), text(item, "label")
        if not issuer and ":" in name:
            issuer, _, name = name.partition(":")
        return issuer, name

    def make(item: Doc) -> Account:
        issuer, name = names(item)
        return build(
            _kind(text(item, "type", "TOTP")),
            text(item, "secret"),
            name,
            issuer,
            algorithm_of(text(item, "algorithm", "SHA1")),
            integer(item, "digits", 6),
            integer(item, "period", 30),
            integer(item, "counter", 0),
        )

    return entries(items, lambda item: label_of(*names(item)), make)


# -- Bitwarden ----------------------------------------------------------------------------------


def _bitwarden_account(totp: str, item_name: str, username: str, groups: tuple[str, ...]) -> Account:
    """A ``login.totp`` value: an otpauth URI, ``steam://SECRET`` or a bare base32 secret."""
    if totp[:8].lower() == "otpauth:":
        account = account_from_uri(totp, groups)
        return account if account.issuer or not item_name else replace(account, issuer=item_name)
    name, issuer = (username, item_name) if username else (item_name, "")
    if totp[:8].lower() == "steam://":
        return build("steam", totp[8:], name, issuer, groups=groups)
    return build("totp", totp, name, issuer, groups=groups)


def bitwarden(document: Doc) -> tuple[tuple[Entry, ...], int]:
    """Bitwarden's (and Bitwarden Authenticator's) unencrypted JSON: the entries of the items
    that hold a ``login.totp``, and how many items hold none."""
    folders = names(document.get("folders"))
    items = document["items"]
    with_totp = [item for item in items if not isinstance(item, dict) or _totp_of(item) is not None]

    def label(item: Doc) -> str:
        return text(item, "name")

    def make(item: Doc) -> Account:
        login = obj(item, "login")
        totp = text(login, "totp").strip()
        folder = folders.get(item.get("folderId"))
        return _bitwarden_account(
            totp, text(item, "name"), text(login, "username"), (folder,) if folder else ()
        )

    return entries(with_totp, label, make), len(items) - len(with_totp)


def _totp_of(item: Doc) -> object:
    login = item.get("login")
    return login.get("totp") or None if isinstance(login, dict) else None


def bitwarden_csv(text_: str) -> tuple[tuple[Entry, ...], int]:
    """Bitwarden's CSV export (``folder``, ``name``, ``login_username``, ``login_totp``): the
    entries of the rows with a ``login_totp``, and how many rows have none."""
    try:
        rows = list(csv.DictReader(io.StringIO(text_)))
    except csv.Error as error:
        raise ValueError(f"the Bitwarden CSV export cannot be read: {error}") from None
    out: list[Entry] = []
    for number, row in enumerate(rows, 2):
        totp = (row.get("login_totp") or "").strip()
        if not totp:
            continue
        name, username, folder = (
            row.get("name") or "",
            row.get("login_username") or "",
            row.get("folder") or "",
        )
        groups = (folder,) if folder else ()
        out.append(entry(name or f"line {number}", _bitwarden_account, totp, name, username, groups))
    return tuple(out), len(rows) - len(out)


def is_bitwarden_csv(text_: str) -> bool:
    """Whether the first line is a Bitwarden CSV header (it names ``login_totp`` and ``name``)."""
    lines = text_.splitlines()
    try:
        header = next(csv.reader(lines[:1]), [])
    except csv.Error:
        return False
    return "login_totp" in header and "name" in header


# -- FreeOTP+ -----------------------------------------------------------------------------------


def _signed_bytes(value: object) -> bytes:
    """FreeOTP+'s secret: a list of Java bytes (-128 to 127)."""
    if not isinstance(value, list) or not value:
        raise Skip("secret is not a list of bytes")
    if not all(isinstance(b, int) and not isinstance(b, bool) and -128 <= b <= 255 for b in value):
        raise Skip("secret is not a list of bytes")
    return bytes(b & 0xFF for b in value)


def freeotp_plus(tokens: list[object]) -> tuple[Entry, ...]:
    """FreeOTP+'s tokens. FreeOTP stores the last HOTP counter it used: the next is one more."""

    def label(token: Doc) -> str:
        return label_of(text(token, "issuerExt") or text(token, "issuerInt"), text(token, "label"))

    def make(token: Doc) -> Account:
        kind = _kind(text(token, "type", "TOTP"))
        if kind == "steam":
            raise Skip("unsupported type STEAM")
        return build(
            kind,
            secret_of_bytes(_signed_bytes(token.get("secret"))),
            text(token, "label"),
            text(token, "issuerExt") or text(token, "issuerInt"),
            algorithm_of(text(token, "algo", "SHA1")),
            integer(token, "digits", 6),
            integer(token, "period", 30),
            integer(token, "counter", 0) + 1,
        )

    return entries(tokens, label, make)


# -- Proton Authenticator -----------------------------------------------------------------------


def proton(items: list[object]) -> tuple[Entry, ...]:
    """Proton Authenticator's entries: ``content.uri`` (otpauth, or ``steam://``), ``entry_type``."""

    def label(item: Doc) -> str:
        return text(obj(item, "content"), "name")

    def make(item: Doc) -> Account:
        content = obj(item, "content")
        uri, name = text(content, "uri").strip(), text(content, "name")
        steam = text(content, "entry_type").lower() == "steam"
        if uri[:8].lower() == "steam://":
            return build("steam", uri[8:], name, "Steam")
        if uri[:8].lower() != "otpauth:":
            raise Skip("content.uri is not an otpauth:// or steam:// URI")
        account = account_from_uri(uri)
        if steam and account.type != "steam":
            return build("steam", account.otp.secret, account.name or name, account.issuer)
        return account

    return entries(items, label, make)


# -- Stratum / Authenticator Pro ----------------------------------------------------------------

_STRATUM_KINDS = {1: "hotp", 2: "totp", 4: "steam"}
_STRATUM_OTHER = {3: "mOTP", 5: "Yandex"}
_STRATUM_ALGORITHMS = {0: "SHA1", 1: "SHA256", 2: "SHA512"}


def stratum(document: Doc) -> tuple[Entry, ...]:
    """Stratum's (Authenticator Pro's) plain backup: ``Authenticators``, with categories."""
    categories = names(document.get("Categories"), "Id", "Name")
    filed: dict[str, list[str]] = {}
    links = document.get("AuthenticatorCategories")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("CategoryId") in categories:
            secret = link.get("AuthenticatorSecret")
            if isinstance(secret, str):
                filed.setdefault(secret, []).append(categories[link["CategoryId"]])

    def label(item: Doc) -> str:
        return label_of(text(item, "Issuer"), text(item, "Username"))

    def make(item: Doc) -> Account:
        code = integer(item, "Type", 2)
        if code in _STRATUM_OTHER:
            raise Skip(f"unsupported type {_STRATUM_OTHER[code]}: not an RFC 6238 or Steam code")
        if code not in _STRATUM_KINDS:
            raise Skip(f"unknown type {code}")
        algorithm = _STRATUM_ALGORITHMS.get(integer(item, "Algorithm", 0))
        if algorithm is None:
            raise Skip(f"unknown algorithm {item.get('Algorithm')}")
        secret = text(item, "Secret")
        return build(
            _STRATUM_KINDS[code],
            secret,
            text(item, "Username"),
            text(item, "Issuer"),
            algorithm,
            integer(item, "Digits", 6),
            integer(item, "Period", 30),
            integer(item, "Counter", 0),
            filed.get(secret, ()),
        )

    return entries(document["Authenticators"], label, make)


# -- 2FAuth -------------------------------------------------------------------------------------

_TWOFAUTH_KINDS = {"totp": "totp", "hotp": "hotp", "steamtotp": "steam"}


def twofauth(items: list[object]) -> tuple[Entry, ...]:
    """2FAuth's export: ``otp_type`` (``totp``, ``hotp``, ``steamtotp``), ``service``, ``account``."""

    def label(item: Doc) -> str:
        return label_of(text(item, "service"), text(item, "account"))

    def make(item: Doc) -> Account:
        kind = _TWOFAUTH_KINDS.get(text(item, "otp_type", "totp").lower())
        if kind is None:
            raise Skip(f"unsupported type {item.get('otp_type')}")
        group = item.get("group")
        groups = (group,) if isinstance(group, str) and group else ()
        return build(
            kind,
            text(item, "secret"),
            text(item, "account"),
            text(item, "service"),
            algorithm_of(text(item, "algorithm", "sha1")),
            integer(item, "digits", 6),
            integer(item, "period", 30),
            integer(item, "counter", 0),
            groups,
        )

    return entries(items, label, make)


# -- TOTPHog and the team API -------------------------------------------------------------------


def totphog(tokens: Mapping[str, object]) -> tuple[Entry, ...]:
    """TOTPHog's tokens keyed by id: ``name``, ``issuer``, ``secret``, ``algorithm``, ``digits``, ``period``."""
    out = []
    for key, token in tokens.items():
        if not isinstance(token, dict):
            out.append(Entry(key, None, "not a token object"))
            continue
        try:
            shown = label_of(text(token, "issuer"), text(token, "name")) or key
        except Skip:
            shown = key

        def make(token: Doc) -> Account:
            return build(
                "totp",
                text(token, "secret"),
                text(token, "name"),
                text(token, "issuer"),
                algorithm_of(text(token, "algorithm", "sha1")),
                integer(token, "digits", 6),
                integer(token, "period", 30),
            )

        out.append(entry(shown, make, token))
    return tuple(out)


def team(secrets: Mapping[str, str]) -> tuple[Entry, ...]:
    """The team API's ``secrets.json``: ``{"username": "secret"}``."""
    return tuple(entry(user, build, "totp", secret, user, "") for user, secret in secrets.items())
