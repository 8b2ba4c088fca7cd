"""Moving accounts between authenticators: import and export (``pyotp_rs.transfer``).

:func:`read` recognises its input by content and returns an :class:`ImportReport`: the accounts
it holds (OTP objects with their name, issuer, type and groups) and one :class:`Entry` per account
found, imported or skipped with the reason (an MD5 account, a secret that is not base32, a member
of the wrong type, ...). The formats, by the name the report gives them:

- ``migration``: Google Authenticator's ``otpauth-migration://offline?data=...`` URIs, one per
  line (one per QR code of an export), or a screenshot of the QR code;
- ``uris``: ``otpauth://`` URIs, one per line, as pyotp, Aegis, Ente Auth and 2FAuth write them
  (``otpauth://steam/``, lowercase algorithms and Ente's ``codeDisplay`` are accepted);
- ``aegis``: an Aegis vault, plain or password-encrypted;
- ``2fas``: a 2FAS backup (schema 1 to 4), plain or password-encrypted;
- ``andotp``: an andOTP backup, plain JSON or encrypted (bytes, current and old format);
- ``bitwarden``: Bitwarden's and Bitwarden Authenticator's unencrypted JSON export;
- ``bitwarden-csv``: Bitwarden's CSV export;
- ``freeotp+``: FreeOTP+'s JSON export;
- ``proton``: Proton Authenticator's JSON export;
- ``stratum``: Stratum's (Authenticator Pro's) plain JSON backup;
- ``2fauth``: 2FAuth's JSON export;
- ``totphog``: TOTPHog's ``var/tokens.json`` (an object keyed by token id, or the ``data`` list of
  its ``GET /api/v1/tokens``);
- ``team``: the team TOTP API's ``secrets.json`` (``{"username": "secret"}``).

A PNG or JPEG image is read for its QR codes (with the ``qr`` extra installed). The writers
:func:`write_migration`, :func:`write_aegis` and :func:`write_uris` take accounts (or OTP objects)
and give what each app imports. The byte work (protobuf, base64, scrypt, PBKDF2 and AES-256-GCM)
runs in Rust, without the GIL where it takes time.

>>> import pyotp_rs
>>> totp = pyotp_rs.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", name="alice", issuer="Example")
>>> uris = pyotp_rs.transfer.write_migration([totp], batch_id=1)
>>> report = pyotp_rs.transfer.read("\\n".join(uris))
>>> report.format, [(a.issuer, a.name, a.type) for a in report.accounts]
('migration', [('Example', 'alice', 'totp')])
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable

from ._algorithms import DIGESTS
from ._pyotp_rs import _open_2fas, _open_andotp, _RawAccount, _read_aegis, _write_aegis, _write_migration
from ._transfer import apps
from ._transfer.images import image_format, qr_texts
from ._transfer.model import Account, Entry, ImportReport
from ._transfer.uris import raw_entry, read_lines
from .exceptions import DecryptionError
from .hotp import HOTP
from .otp import OTP
from .totp import TOTP

__all__ = [
    "FORMATS",
    "Account",
    "Entry",
    "ImportReport",
    "read",
    "write_aegis",
    "write_migration",
    "write_portable_uris",
    "write_uris",
]

#: The formats :func:`read` recognises, by the name it reports.
FORMATS = (
    "migration",
    "uris",
    "aegis",
    "2fas",
    "andotp",
    "bitwarden",
    "bitwarden-csv",
    "freeotp+",
    "proton",
    "stratum",
    "2fauth",
    "totphog",
    "team",
)
_UNRECOGNISED = (
    "unrecognised {what}: it matches none of the formats read: Google Authenticator migration "
    "URIs, otpauth:// URIs one per line (Ente Auth, 2FAuth), an Aegis vault, a 2FAS backup, an "
    "andOTP backup, a Bitwarden or Bitwarden Authenticator JSON or CSV export, a FreeOTP+ export, "
    "a Proton Authenticator export, a Stratum (Authenticator Pro) backup, a 2FAuth export, "
    "TOTPHog's tokens.json or a team secrets.json, or a PNG/JPEG image of a QR code"
)
_MAX_2FAS_SCHEMA = 4
_STRATUM_MAGIC = b"AUTHENTICATORPRO"


def _password(password: str | None, what: str) -> str:
    if password is None:
        raise DecryptionError(f"the {what} is encrypted: a password is needed")
    return password


def _report(fmt: str, entries: tuple[Entry, ...], *warnings: str) -> ImportReport:
    return ImportReport(fmt, entries, tuple(w for w in warnings if w))


def _without_totp(count: int, what: str) -> str:
    return f"{count} {what} without a TOTP left out" if count else ""


def _read_2fas(document: dict[str, object], password: str | None) -> ImportReport:
    services, sealed = document["services"], document.get("servicesEncrypted")
    schema = document["schemaVersion"]
    warning = (
        f"schemaVersion {schema} is newer than {_MAX_2FAS_SCHEMA}, the newest this reader knows"
        if isinstance(schema, int) and schema > _MAX_2FAS_SCHEMA
        else ""
    )
    if isinstance(sealed, str) and sealed:
        plain = _open_2fas(sealed, _password(password, "2FAS backup"))
        try:
            services = json.loads(plain)
        except (ValueError, RecursionError):
            raise ValueError("the decrypted 2FAS services are not JSON") from None
    if not isinstance(services, list):
        raise ValueError("not a 2FAS backup: services is not a list")  # noqa: TRY004 (bad input, not a bad call)
    groups = apps.names(document.get("groups"))
    return _report("2fas", apps.twofas(services, groups), warning)


def _matches(document: object) -> str | None:
    """The format a JSON document is, by the members only that format has; ``None`` for none."""
    if isinstance(document, list):
        items = [item for item in document if isinstance(item, dict)]
        if items and all("secret" in item and "type" in item and "label" in item for item in items):
            return "andotp"
        if items and all("secret" in item and "type" not in item and "label" not in item for item in items):
            return "totphog-list"
        return None
    if not isinstance(document, dict):
        return None
    keys = document.keys()
    if "header" in keys and "db" in keys:
        return "aegis"
    if isinstance(document.get("services"), list) and "schemaVersion" in keys:
        return "2fas"
    if isinstance(document.get("items"), list) and document.get("encrypted") is False:
        return "bitwarden"
    if document.get("encrypted") is True and (
        "passwordProtected" in keys or "encKeyValidation_DO_NOT_EDIT" in keys
    ):
        return "bitwarden-encrypted"
    if "kdfParams" in keys and "encryptedData" in keys:
        return "ente-encrypted"
    if isinstance(document.get("tokens"), list) and "tokenOrder" in keys:
        return "freeotp+"
    if isinstance(document.get("Authenticators"), list):
        return "stratum"
    if isinstance(document.get("data"), list) and str(document.get("app", "")).lower().startswith("2fauth"):
        return "2fauth"
    entries = document.get("entries")
    if (
        isinstance(entries, list)
        and "version" in keys
        and all(isinstance(e, dict) and "content" in e for e in entries)
    ):
        return "proton"
    if isinstance(document.get("data"), list) and "success" in keys:
        return "totphog-api"
    values = list(document.values())
    if values and all(isinstance(v, dict) and "secret" in v for v in values):
        return "totphog"
    if values and all(isinstance(v, str) for v in values):
        return "team"
    return None


def _read_json(text: str, document: object, password: str | None) -> ImportReport:
    """A JSON document, recognised by the members only its format has."""
    kind = _matches(document)
    if kind == "aegis":
        return ImportReport("aegis", tuple(raw_entry(raw) for raw in _read_aegis(text, password)))
    if kind is None or not isinstance(document, (dict, list)):
        raise ValueError(_UNRECOGNISED.format(what="JSON"))
    if isinstance(document, list):
        if kind == "andotp":
            return _report("andotp", apps.andotp(document))
        tokens = {
            str(t.get("id", f"entry {i}")) if isinstance(t, dict) else f"entry {i}": t
            for i, t in enumerate(document, 1)
        }
        return _report("totphog", apps.totphog(tokens))
    if kind == "2fas":
        return _read_2fas(document, password)
    if kind == "bitwarden":
        entries, without = apps.bitwarden(document)
        return _report("bitwarden", entries, _without_totp(without, "item(s)"))
    if kind == "bitwarden-encrypted":
        raise ValueError(
            "an encrypted Bitwarden export: export the vault again as unencrypted JSON or CSV to import it"
        )
    if kind == "ente-encrypted":
        raise ValueError(
            "an encrypted Ente Auth export (Argon2id + XChaCha20-Poly1305) is not read: "
            "export the codes from Ente Auth as plain text to import them"
        )
    if kind == "freeotp+":
        return _report("freeotp+", apps.freeotp_plus(document["tokens"]))
    if kind == "stratum":
        return _report("stratum", apps.stratum(document))
    if kind == "2fauth":
        return _report("2fauth", apps.twofauth(document["data"]))
    if kind == "proton":
        return _report("proton", apps.proton(document["entries"]))
    if kind == "totphog-api":
        return _read_json(text, document["data"], password)
    if kind == "totphog":
        return _report("totphog", apps.totphog(document))
    return _report("team", apps.team(document))


def _read_binary(data: bytes, password: str | None) -> ImportReport:
    """Bytes that are not UTF-8 text: a PNG or JPEG image of QR codes, or an encrypted andOTP backup."""
    if image_format(data) is not None:
        return _read_text("\n".join(qr_texts(data)), password)
    if data.startswith(_STRATUM_MAGIC):
        raise ValueError(
            "an encrypted Stratum (Authenticator Pro) backup is not read: make an unencrypted backup to import it"
        )
    if password is None:
        raise DecryptionError(
            "the input is binary, read as an encrypted andOTP backup: a password is needed "
            "(PNG and JPEG images aside, no other binary file is read)"
        )
    plain = _open_andotp(data, password)
    try:
        document = json.loads(plain)
    except (ValueError, RecursionError):
        raise ValueError("the decrypted andOTP backup is not JSON") from None
    if _matches(document) != "andotp" and document != []:
        raise ValueError("the decrypted andOTP backup is not andOTP's JSON list")
    return _report("andotp", apps.andotp(document))


def _read_text(text: str, password: str | None) -> ImportReport:
    text = text.lstrip("\ufeff").strip()
    if text.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"the input looks like JSON but is not: {error}") from None
        except RecursionError:
            raise ValueError("the input looks like JSON but is nested too deeply") from None
        return _read_json(text, document, password)
    if apps.is_bitwarden_csv(text):
        entries, without = apps.bitwarden_csv(text)
        return _report("bitwarden-csv", entries, _without_totp(without, "row(s)"))
    report = read_lines(text)
    if report is None:
        raise ValueError(_UNRECOGNISED.format(what="input"))
    return report


def read(data: str | bytes, *, password: str | None = None) -> ImportReport:
    """Reads accounts from any supported format, recognised by its content.

    ``data`` is text, or bytes: UTF-8 text, an encrypted andOTP backup, or a PNG or JPEG image of
    QR codes (read with zxing-cpp, from the ``qr`` extra; without it ``ImportError`` names the
    extra). ``password`` opens an encrypted Aegis vault, 2FAS backup or andOTP backup.

    A malformed input, or one that matches no format exactly, raises ``ValueError`` (naming the
    formats read); so does a file asking for more key-derivation work than the bounds allow. A
    missing or wrong password, or a modified encrypted file, raises
    :class:`~pyotp_rs.DecryptionError` (a ``ValueError``). Entries that cannot be used are
    reported as skipped, with the reason.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            return _read_text(raw.decode("utf-8-sig"), password)
        except UnicodeDecodeError:
            return _read_binary(raw, password)
    if not isinstance(data, str):
        raise TypeError(f"data must be str or bytes, not {type(data).__name__}")
    return _read_text(data, password)


for _public in (Account, Entry, ImportReport):
    _public.__module__ = __name__


def _accounts(accounts: Iterable[Account | OTP]) -> list[Account]:
    return [item if isinstance(item, Account) else Account.from_otp(item) for item in accounts]


def _raw(account: Account) -> _RawAccount:
    otp = account.otp
    algorithm = otp.digest().name.upper()
    if algorithm not in DIGESTS:
        raise ValueError(f"{account.label}: unsupported algorithm {algorithm}")
    period = otp.interval if isinstance(otp, TOTP) else 0
    counter = otp.initial_count if isinstance(otp, HOTP) else 0
    digits = 5 if account.type == "steam" else otp.digits
    return _RawAccount(
        account.type,
        otp.byte_secret(),
        account.name,
        account.issuer,
        algorithm,
        digits,
        period,
        counter,
        list(account.groups),
    )


def write_migration(accounts: Iterable[Account | OTP], *, batch_id: int | None = None) -> list[str]:
    """Google Authenticator migration URIs, one per QR code (at most 10 accounts each).

    Only 30-second TOTP and HOTP accounts with 6 or 8 digits fit the format; any other account
    raises ``ValueError`` naming it. ``batch_id`` (a signed 32-bit integer) is random by default.
    """
    return _write_migration([_raw(account) for account in _accounts(accounts)], batch_id)


def write_aegis(accounts: Iterable[Account | OTP], *, password: str | None = None) -> str:
    """An Aegis vault (JSON text): encrypted with ``password`` when one is given, plain otherwise."""
    return _write_aegis([_raw(account) for account in _accounts(accounts)], password)


def _uri_accounts(accounts: Iterable[Account | OTP]) -> list[Account]:
    """The accounts, or ``ValueError`` naming those an otpauth URI cannot carry (9 or 10 digits)."""
    items = _accounts(accounts)
    problems = [
        f"{a.label}: {a.otp.digits} digits: otpauth URIs carry only 6, 7 or 8"
        for a in items
        if a.type != "steam" and a.otp.digits not in (6, 7, 8)
    ]
    if problems:
        raise ValueError(f"cannot export to otpauth URIs: {'; '.join(problems)}")
    return items


def write_uris(accounts: Iterable[Account | OTP]) -> str:
    """``otpauth://`` URIs, one per line.

    ``parse_uri`` (pyotp's and this library's) reads only 6, 7 or 8 digits, so an account with
    9 or 10 raises ``ValueError`` naming it.
    """
    items = _uri_accounts(accounts)
    return "".join(account.uri() + "\n" for account in items)


def _portable_uri(account: Account) -> str:
    otp = account.otp
    label = urllib.parse.quote(account.label, safe="@:")
    params = {"secret": otp.secret.rstrip("=")}
    if account.issuer:
        params["issuer"] = account.issuer
    steam = account.type == "steam"
    params["algorithm"] = "SHA1" if steam else otp.digest().name.upper()
    params["digits"] = "5" if steam else str(otp.digits)
    if isinstance(otp, HOTP):
        params["counter"] = str(otp.initial_count)
    elif isinstance(otp, TOTP):
        params["period"] = str(otp.interval)
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return f"otpauth://{account.type}/{label}?{query}"


def write_portable_uris(accounts: Iterable[Account | OTP]) -> str:
    """``otpauth://`` URIs one per line, in the form Ente Auth, 2FAS and Aegis write and read.

    Unlike :func:`write_uris` (pyotp's ``provisioning_uri``), every parameter is explicit
    (``issuer``, upper-case ``algorithm``, ``digits``, ``period`` or ``counter``), and Steam
    accounts are ``otpauth://steam/...`` with ``digits=5``. Bitwarden reads each TOTP line in an
    item's TOTP field. Accounts with 9 or 10 digits raise ``ValueError`` naming them.
    """
    items = _uri_accounts(accounts)
    for account in items:
        if account.otp.digest().name.upper() not in DIGESTS:
            raise ValueError(f"{account.label}: unsupported algorithm {account.otp.digest().name.upper()}")
    return "".join(_portable_uri(account) + "\n" for account in items)
