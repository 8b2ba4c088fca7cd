"""Moving accounts between authenticators: import and export (``pyotp_rs.transfer``).

:func:`read` takes any of these and returns an :class:`ImportReport`: the accounts it holds
(OTP objects with their name, issuer and type) and one :class:`Entry` per account found,
imported or skipped with the reason (an MD5 account, a secret that is not base32, ...):

- ``migration``: Google Authenticator's ``otpauth-migration://offline?data=...`` URIs, one per
  line (one per QR code of an export);
- ``aegis``: an Aegis vault, plain or password-encrypted;
- ``totphog``: TOTPHog's ``var/tokens.json`` (an object keyed by token id, or the ``data`` list of
  its ``GET /api/v1/tokens``);
- ``team``: the team TOTP API's ``secrets.json`` (``{"username": "secret"}``);
- ``uris``: ``otpauth://`` URIs, one per line (migration URIs may be mixed in).

The writers :func:`write_migration`, :func:`write_aegis` and :func:`write_uris` take accounts
(or OTP objects) and give what each app imports. The byte work (protobuf, base64, scrypt and
AES-256-GCM) runs in Rust.

>>> import pyotp_rs
>>> totp = pyotp_rs.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", name="alice", issuer="Example")
>>> uris = pyotp_rs.transfer.write_migration([totp], batch_id=1)
>>> report = pyotp_rs.transfer.read("\\n".join(uris))
>>> report.format, [(a.issuer, a.name, a.type) for a in report.accounts]
('migration', [('Example', 'alice', 'totp')])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ._algorithms import DIGESTS
from ._pyotp_rs import (
    _RawAccount,
    _read_aegis,
    _read_migration,
    _Skipped,
    _write_aegis,
    _write_migration,
    parse_uri,
)
from .contrib.steam import Steam
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
    "write_uris",
]

#: The formats :func:`read` recognises, by the name it reports.
FORMATS = ("migration", "aegis", "totphog", "team", "uris")
_MIGRATION = "otpauth-migration:"
_MIN_SECRET_BITS = 112
_SHORT_SECRET = (
    "short secret ({bits} bits, under the 112 bits pyotp requires): imported with allow_short_secret=True"
)
_OTPAUTH = "otpauth:"


@dataclass(frozen=True)
class Account:
    """One account: its OTP object (``TOTP``, ``HOTP`` or ``contrib.Steam``), name, issuer and type."""

    otp: OTP
    name: str
    issuer: str
    type: Literal["totp", "hotp", "steam"]

    @classmethod
    def from_otp(cls, otp: OTP) -> Account:
        """The account of an OTP object, named by its ``name`` and ``issuer`` attributes."""
        kind: Literal["totp", "hotp", "steam"] = (
            "steam" if isinstance(otp, Steam) else "hotp" if isinstance(otp, HOTP) else "totp"
        )
        return cls(otp, otp.name or "", otp.issuer or "", kind)

    @property
    def label(self) -> str:
        """``issuer:name``, or the name alone when there is no issuer."""
        return f"{self.issuer}:{self.name}" if self.issuer else self.name

    def uri(self) -> str:
        """The ``otpauth://`` URI of the account (Steam accounts carry ``encoder=steam``)."""
        issuer = self.issuer or None
        if isinstance(self.otp, HOTP):
            return self.otp.provisioning_uri(
                name=self.name, initial_count=self.otp.initial_count, issuer_name=issuer
            )
        if isinstance(self.otp, Steam):
            return self.otp.provisioning_uri(name=self.name, issuer_name=issuer, encoder="steam")
        if isinstance(self.otp, TOTP):
            return self.otp.provisioning_uri(name=self.name, issuer_name=issuer)
        raise TypeError(f"{self.label}: not a TOTP or HOTP object: {type(self.otp).__name__}")


@dataclass(frozen=True)
class Entry:
    """One entry of an import: the account, or ``None`` and the reason it was skipped.

    ``reason`` says why an entry was skipped, or what to know about an imported one (a secret
    shorter than pyotp's 112-bit minimum is accepted with ``allow_short_secret``, and said so).
    """

    label: str
    account: Account | None
    reason: str = ""

    @property
    def status(self) -> Literal["imported", "skipped"]:
        """``imported`` or ``skipped``."""
        return "skipped" if self.account is None else "imported"


@dataclass(frozen=True)
class ImportReport:
    """What :func:`read` found: the format, one entry per account, and warnings about the whole."""

    format: str
    entries: tuple[Entry, ...]
    warnings: tuple[str, ...] = ()

    @property
    def accounts(self) -> list[Account]:
        """The imported accounts, in order."""
        return [entry.account for entry in self.entries if entry.account is not None]

    @property
    def skipped(self) -> list[Entry]:
        """The entries that were not imported."""
        return [entry for entry in self.entries if entry.account is None]


def _build(
    kind: str, secret: str, name: str, issuer: str, algorithm: str, digits: int, period: int, counter: int
) -> Account:
    """An account from plain values; the OTP constructors' checks raise ``ValueError``."""
    common: dict[str, Any] = {"name": name or None, "issuer": issuer or None, "allow_short_secret": True}
    otp: OTP
    if kind == "steam":
        otp = Steam(secret, interval=period, **common)
    elif kind == "hotp":
        otp = HOTP(secret, digits=digits, digest=DIGESTS[algorithm], initial_count=counter, **common)
    else:
        otp = TOTP(secret, digits=digits, digest=DIGESTS[algorithm], interval=period, **common)
    return Account(otp, name, issuer, "steam" if kind == "steam" else "hotp" if kind == "hotp" else "totp")


def _entry(label: str, make: Callable[..., Account], *args: Any) -> Entry:
    """The entry of ``make(*args)``: imported, or skipped with the library's error message."""
    try:
        account = make(*args)
    except (ValueError, TypeError) as error:
        return Entry(label, None, str(error))
    bits = 8 * len(account.otp.byte_secret())
    if bits < _MIN_SECRET_BITS:
        return Entry(label, account, _SHORT_SECRET.format(bits=bits))
    return Entry(label, account)


def _raw_entry(raw: _RawAccount | _Skipped) -> Entry:
    if isinstance(raw, _Skipped):
        return Entry(raw.label, None, raw.reason)
    label = f"{raw.issuer}:{raw.name}" if raw.issuer else raw.name
    fields = (raw.kind, raw.secret, raw.name, raw.issuer, raw.algorithm, raw.digits, raw.period, raw.counter)
    return _entry(label, _build, *fields)


def _from_uri(uri: str) -> Account:
    """The account of one ``otpauth://`` URI, read by :func:`pyotp_rs.parse_uri`."""
    return Account.from_otp(parse_uri(uri, allow_short_secret=True))


def _migration_warnings(batches: list[tuple[int, int, int]]) -> list[str]:
    """Warnings about an incomplete or mixed set of QR codes: ``(batch_id, size, index)`` each."""
    warnings = []
    for batch_id in dict.fromkeys(batch for batch, _, _ in batches):
        sizes = {size for batch, size, _ in batches if batch == batch_id}
        indices = [index for batch, _, index in batches if batch == batch_id]
        size = max(sizes)
        missing = sorted(set(range(size)) - set(indices))
        if missing:
            numbers = ", ".join(str(index + 1) for index in missing)
            warnings.append(f"export {batch_id}: QR code(s) {numbers} of {size} missing")
        repeated = sorted({index + 1 for index in indices if indices.count(index) > 1})
        if repeated:
            warnings.append(f"export {batch_id}: QR code(s) {', '.join(map(str, repeated))} read twice")
    if len({batch for batch, _, _ in batches}) > 1:
        warnings.append("the migration URIs come from more than one export")
    return warnings


def _read_lines(text: str) -> ImportReport:
    """URIs one per line: ``otpauth://`` and ``otpauth-migration://`` (blank and ``#`` lines skipped)."""
    entries: list[Entry] = []
    batches: list[tuple[int, int, int]] = []
    kinds = set()
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        scheme = line[: len(_MIGRATION)].lower()
        if scheme == _MIGRATION:
            kinds.add("migration")
            _, size, index, batch_id, raws = _read_migration(line)
            batches.append((batch_id, size, index))
            entries.extend(_raw_entry(raw) for raw in raws)
        elif scheme.startswith(_OTPAUTH):
            kinds.add("uris")
            entry = _entry(f"line {number}", _from_uri, line)
            entries.append(
                Entry(entry.account.label, entry.account, entry.reason) if entry.account else entry
            )
        else:
            entries.append(Entry(f"line {number}", None, "not an otpauth:// or otpauth-migration:// URI"))
    if not kinds:
        raise ValueError(
            "unrecognised input: expected otpauth:// or otpauth-migration:// URIs one per line, "
            "an Aegis vault, TOTPHog's tokens.json or a team secrets.json"
        )
    fmt = "migration" if kinds == {"migration"} else "uris"
    return ImportReport(fmt, tuple(entries), tuple(_migration_warnings(batches)))


def _totphog_entry(key: str, token: object) -> Entry:
    if not isinstance(token, dict):
        return Entry(key, None, "not a token object")
    name, issuer = str(token.get("name") or ""), str(token.get("issuer") or "")
    label = f"{issuer}:{name}" if issuer else name or key
    secret, algorithm = token.get("secret"), str(token.get("algorithm") or "sha1").upper()
    if not isinstance(secret, str) or not secret:
        return Entry(label, None, "no secret")
    if algorithm not in DIGESTS:
        return Entry(label, None, f"unsupported algorithm {algorithm}")
    digits, period = token.get("digits", 6), token.get("period", 30)
    if not isinstance(digits, int) or not isinstance(period, int):
        return Entry(label, None, "digits and period must be integers")
    return _entry(label, _build, "totp", secret, name, issuer, algorithm, digits, period, 0)


def _read_json(text: str, document: object, password: str | None) -> ImportReport:
    """A JSON document: an Aegis vault, TOTPHog's tokens, or a team ``secrets.json``."""
    if isinstance(document, dict) and "header" in document and "db" in document:
        raws = _read_aegis(text, password)
        return ImportReport("aegis", tuple(_raw_entry(raw) for raw in raws))
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    if isinstance(document, list):
        tokens = {
            str(token.get("id", f"entry {i}")) if isinstance(token, dict) else f"entry {i}": token
            for i, token in enumerate(document, 1)
        }
        return ImportReport("totphog", tuple(_totphog_entry(k, t) for k, t in tokens.items()))
    if isinstance(document, dict) and document and all(isinstance(v, dict) for v in document.values()):
        return ImportReport("totphog", tuple(_totphog_entry(k, t) for k, t in document.items()))
    if isinstance(document, dict) and document and all(isinstance(v, str) for v in document.values()):
        entries = [
            _entry(user, _build, "totp", secret, user, "", "SHA1", 6, 30, 0)
            for user, secret in document.items()
        ]
        return ImportReport("team", tuple(entries))
    raise ValueError(
        "unrecognised JSON: expected an Aegis vault, TOTPHog's tokens.json "
        'or a team secrets.json ({"username": "secret"})'
    )


def read(data: str | bytes, *, password: str | None = None) -> ImportReport:
    """Reads accounts from any supported format, recognised by its content.

    ``password`` opens an encrypted Aegis vault. A malformed input raises ``ValueError``; a
    missing or wrong password, or a modified encrypted vault, raises
    :class:`~pyotp_rs.DecryptionError` (a ``ValueError``). Entries that cannot be used are
    reported as skipped, with the reason.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("the input is not UTF-8 text") from None
    if not isinstance(data, str):
        raise TypeError(f"data must be str or bytes, not {type(data).__name__}")
    text = data.lstrip("\ufeff").strip()
    if text.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"the input looks like JSON but is not: {error}") from None
        except RecursionError:
            raise ValueError("the input looks like JSON but is nested too deeply") from None
        return _read_json(text, document, password)
    return _read_lines(text)


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
        account.type, otp.byte_secret(), account.name, account.issuer, algorithm, digits, period, counter
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


def write_uris(accounts: Iterable[Account | OTP]) -> str:
    """``otpauth://`` URIs, one per line.

    ``parse_uri`` (pyotp's and this library's) reads only 6, 7 or 8 digits, so an account with
    9 or 10 raises ``ValueError`` naming it.
    """
    items = _accounts(accounts)
    problems = [
        f"{a.label}: {a.otp.digits} digits: otpauth URIs carry only 6, 7 or 8"
        for a in items
        if a.type != "steam" and a.otp.digits not in (6, 7, 8)
    ]
    if problems:
        raise ValueError(f"cannot export to otpauth URIs: {'; '.join(problems)}")
    return "".join(account.uri() + "\n" for account in items)
