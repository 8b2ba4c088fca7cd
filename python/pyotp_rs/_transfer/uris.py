"""``otpauth://`` URIs as other apps write them, and lists of them mixed with Google
Authenticator's ``otpauth-migration://`` URIs.

:func:`pyotp_rs.parse_uri` stays exactly pyotp's. On import, a URI is first brought into the
form pyotp reads: ``otpauth://steam/`` (Aegis, Ente, 2FAS) becomes ``otpauth://totp/`` with
``encoder=steam``, lowercase algorithm names (Ente, 2FAuth) are upper-cased, a label's
``Issuer%3Aname`` (which the Key URI Format allows) is split like ``Issuer:name``, the parameters a
type does not take (``period`` on HOTP, ``digits`` and ``algorithm`` on Steam) are dropped, and
Ente's ``codeDisplay`` is read for its tags (the account's groups) and dropped.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter

from .._pyotp_rs import _RawAccount, _read_migration, _Skipped, parse_uri
from .model import Account, Entry, ImportReport, build, entry, label_of

MIGRATION = "otpauth-migration:"
OTPAUTH = "otpauth:"
#: The most QR codes a real export is split into (Google Authenticator writes ten accounts
#: per code); a larger declared batch size is reported, never enumerated.
MAX_BATCH_SIZE = 1000
_STEAM_DROPS = {"digits", "algorithm", "encoder"}


def _tags(value: str) -> tuple[str, ...]:
    """The tags of Ente's ``codeDisplay`` JSON, when it holds a list of strings."""
    try:
        display = json.loads(value)
    except (ValueError, RecursionError):
        return ()
    tags = display.get("tags") if isinstance(display, dict) else None
    return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else ()


def normalise(uri: str) -> tuple[str, tuple[str, ...]]:
    """The URI in the form :func:`~pyotp_rs.parse_uri` reads, and the groups it names."""
    head, _, query = uri.strip().partition("?")
    kind = head[len("otpauth://") :].split("/", 1)[0].lower()
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    keys = {key: urllib.parse.unquote(value) for key, _, value in pairs}
    steam = kind == "steam" or keys.get("encoder") == "steam"
    groups: tuple[str, ...] = ()
    kept = []
    for key, sep, value in pairs:
        if key == "codeDisplay":
            groups = _tags(urllib.parse.unquote(value))
            continue
        if (steam and key in _STEAM_DROPS) or (kind == "hotp" and key == "period"):
            continue
        if key == "algorithm":
            value = value.upper()
        kept.append(f"{key}{sep}{value}")
    host, _, label = head[len("otpauth://") :].partition("/")
    if ":" not in label:
        label = label.replace("%3A", ":", 1).replace("%3a", ":", 1)
    head = f"otpauth://{'totp' if steam else host}/{label}"
    if steam:
        kept.append("encoder=steam")
    return head + ("?" + "&".join(kept) if kept else ""), groups


def account_from_uri(uri: str, groups: tuple[str, ...] = ()) -> Account:
    """The account of one ``otpauth://`` URI as other apps write it (see the module)."""
    form, own = normalise(uri)
    return Account.from_otp(parse_uri(form, allow_short_secret=True), groups or own)


def raw_entry(raw: _RawAccount | _Skipped) -> Entry:
    """The entry of a record from the Rust readers (Aegis, migration)."""
    if isinstance(raw, _Skipped):
        return Entry(raw.label, None, raw.reason)
    fields = (raw.kind, raw.secret, raw.name, raw.issuer, raw.algorithm, raw.digits, raw.period, raw.counter)
    return entry(label_of(raw.issuer, raw.name), build, *fields, raw.groups)


def _spans(indices: list[int], size: int) -> list[str]:
    """The 1-based numbers of ``range(size)`` missing from ``indices``, as ``a-b`` spans.

    Works from the indices present, so its cost does not depend on ``size``.
    """
    spans, start = [], 0
    for index in sorted({i for i in indices if 0 <= i < size}) + [size]:
        if index > start:
            spans.append(str(start + 1) if index - start == 1 else f"{start + 1}-{index}")
        start = index + 1
    return spans


def migration_warnings(batches: list[tuple[int, int, int]]) -> list[str]:
    """Warnings about an incomplete or mixed set of QR codes: ``(batch_id, size, index)`` each."""
    warnings = []
    for batch_id in dict.fromkeys(batch for batch, _, _ in batches):
        size = max(size for batch, size, _ in batches if batch == batch_id)
        indices = [index for batch, _, index in batches if batch == batch_id]
        if size > MAX_BATCH_SIZE:
            warnings.append(
                f"export {batch_id}: declares {size} QR codes, more than any real export "
                f"(at most {MAX_BATCH_SIZE} are expected); the missing ones are not listed"
            )
        else:
            missing = _spans(indices, size)
            if missing:
                warnings.append(f"export {batch_id}: QR code(s) {', '.join(missing)} of {size} missing")
        outside = sorted({i for i in indices if not 0 <= i < max(size, 1)})
        if outside:
            shown = ", ".join(str(i + 1) for i in outside[:10])
            warnings.append(f"export {batch_id}: QR code number(s) {shown} outside the batch of {size}")
        repeated = sorted(index + 1 for index, count in Counter(indices).items() if count > 1)
        if repeated:
            warnings.append(f"export {batch_id}: QR code(s) {', '.join(map(str, repeated))} read twice")
    if len({batch for batch, _, _ in batches}) > 1:
        warnings.append("the migration URIs come from more than one export")
    return warnings


def read_lines(text: str) -> ImportReport | None:
    """URIs one per line: ``otpauth://`` and ``otpauth-migration://`` (blank and ``#`` lines
    skipped); ``None`` when no line is a URI."""
    entries: list[Entry] = []
    batches: list[tuple[int, int, int]] = []
    kinds = set()
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        scheme = line[: len(MIGRATION)].lower()
        if scheme == MIGRATION:
            kinds.add("migration")
            _, size, index, batch_id, raws = _read_migration(line)
            batches.append((batch_id, size, index))
            entries.extend(raw_entry(raw) for raw in raws)
        elif scheme.startswith(OTPAUTH):
            kinds.add("uris")
            found = entry(f"line {number}", account_from_uri, line)
            account = found.account
            entries.append(Entry(account.label, account, found.reason) if account else found)
        else:
            entries.append(Entry(f"line {number}", None, "not an otpauth:// or otpauth-migration:// URI"))
    if not kinds:
        return None
    fmt = "migration" if kinds == {"migration"} else "uris"
    return ImportReport(fmt, tuple(entries), tuple(migration_warnings(batches)))
