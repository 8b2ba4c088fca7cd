"""What an import produces: :class:`Account`, :class:`Entry`, :class:`ImportReport`, and the
helpers every reader uses to turn plain fields into an account or a skipped entry."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .._algorithms import DIGESTS
from ..contrib.steam import Steam
from ..hotp import HOTP
from ..otp import OTP
from ..totp import TOTP

_MIN_SECRET_BITS = 112
_SHORT_SECRET = (
    "short secret ({bits} bits, under the 112 bits pyotp requires): imported with allow_short_secret=True"
)


@dataclass(frozen=True)
class Account:
    """One account: its OTP object (``TOTP``, ``HOTP`` or ``contrib.Steam``), name, issuer, type,
    and the names of the groups (folders, tags) the exporting app filed it under."""

    otp: OTP
    name: str
    issuer: str
    type: Literal["totp", "hotp", "steam"]
    groups: tuple[str, ...] = ()

    @classmethod
    def from_otp(cls, otp: OTP, groups: Iterable[str] = ()) -> Account:
        """The account of an OTP object, named by its ``name`` and ``issuer`` attributes."""
        kind: Literal["totp", "hotp", "steam"] = (
            "steam" if isinstance(otp, Steam) else "hotp" if isinstance(otp, HOTP) else "totp"
        )
        return cls(otp, otp.name or "", otp.issuer or "", kind, tuple(groups))

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
    """What :func:`~pyotp_rs.transfer.read` found: the format, one entry per account, and
    warnings about the whole."""

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


class Skip(ValueError):
    """An entry that cannot become an account; the message is the reason reported."""


def label_of(issuer: str, name: str) -> str:
    """``issuer:name``, or the name alone."""
    return f"{issuer}:{name}" if issuer else name


def clean_secret(secret: str) -> str:
    """A base32 secret as apps write it (spaces, lowercase, ``=`` padding) in pyotp's form."""
    return "".join(secret.split()).upper().rstrip("=")


def secret_of_bytes(raw: bytes) -> str:
    """Raw key bytes as unpadded base32."""
    return base64.b32encode(raw).decode().rstrip("=")


def algorithm_of(name: str) -> str:
    """``SHA1``, ``SHA256`` or ``SHA512`` from any case, with or without a dash; else :class:`Skip`."""
    algorithm = name.upper().replace("-", "")
    if algorithm not in DIGESTS:
        raise Skip(f"unsupported algorithm {name.upper()}")
    return algorithm


def build(
    kind: str,
    secret: str,
    name: str,
    issuer: str,
    algorithm: str = "SHA1",
    digits: int = 6,
    period: int = 30,
    counter: int = 0,
    groups: Iterable[str] = (),
) -> Account:
    """An account from plain values; the OTP constructors' checks raise ``ValueError``."""
    common: dict[str, Any] = {"name": name or None, "issuer": issuer or None, "allow_short_secret": True}
    secret = clean_secret(secret)
    if not secret:
        raise Skip("no secret")
    otp: OTP
    if kind == "steam":
        otp = Steam(secret, interval=period, **common)
    elif kind == "hotp":
        otp = HOTP(secret, digits=digits, digest=DIGESTS[algorithm], initial_count=counter, **common)
    elif kind == "totp":
        otp = TOTP(secret, digits=digits, digest=DIGESTS[algorithm], interval=period, **common)
    else:
        raise Skip(f"unsupported type {kind}")
    return Account(otp, name, issuer, kind, tuple(groups))  # type: ignore[arg-type]


def entry(label: str, make: Callable[..., Account], *args: Any) -> Entry:
    """The entry of ``make(*args)``: imported, or skipped with the error's message."""
    try:
        account = make(*args)
    except (ValueError, TypeError, OverflowError) as error:
        return Entry(label, None, str(error))
    bits = 8 * len(account.otp.byte_secret())
    if bits < _MIN_SECRET_BITS:
        return Entry(label, account, _SHORT_SECRET.format(bits=bits))
    return Entry(label, account)


def entries(
    items: Iterable[object], label: Callable[[Mapping[str, Any]], str], make: Callable[..., Account]
) -> tuple[Entry, ...]:
    """One entry per item of a JSON list: objects go through ``make``, labelled by ``label``."""
    out = []
    for number, item in enumerate(items, 1):
        fallback = f"entry {number}"
        if not isinstance(item, dict):
            out.append(Entry(fallback, None, "not an object"))
            continue
        try:
            shown = label(item) or fallback
        except Skip:
            shown = fallback
        out.append(entry(shown, make, item))
    return tuple(out)


def text(item: Mapping[str, Any], key: str, default: str = "") -> str:
    """The string member ``key`` (``default`` when absent or null); another type is a :class:`Skip`."""
    value = item.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise Skip(f"{key} is not a string")
    return value


def integer(item: Mapping[str, Any], key: str, default: int) -> int:
    """The integer member ``key`` (``default`` when absent or null); another type is a :class:`Skip`."""
    value = item.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise Skip(f"{key} is not an integer")
    if value < 0:
        raise Skip(f"{key} is negative")
    return value


def obj(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The object member ``key`` (empty when absent or null); another type is a :class:`Skip`."""
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Skip(f"{key} is not an object")
    return value
