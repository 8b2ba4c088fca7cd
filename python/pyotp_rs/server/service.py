"""What the service does, without HTTP: tokens, codes, QR codes, team users, enrolment, API tokens.

Each operation validates its input and raises a :class:`ServiceError` subclass whose message is
meant for the API client; the blueprints shape results and errors into each API's JSON.
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import os
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import qr
from .._algorithms import DIGESTS
from .._pyotp_rs import parse_uri
from ..enrollment import enroll
from ..exceptions import PyOTPError
from ..hotp import HOTP
from ..totp import TOTP
from ..utils import build_uri
from .audit import CLI, AuditLog, Trail
from .config import DEFAULT_AUDIT_DAYS, DEFAULT_ISSUER, KEY_ENV, NEW_KEY_ENV, RateLimit, ServiceConfig
from .keys import (
    SecretBox,
    ServerKeyError,
    StoredSecretError,
    new_key,
    parse_key,
    read_key_file,
    sync_directory,
    write_key_file,
)
from .lease import refuse_live_leases
from .roles import LOCAL, ROLES, Caller
from .store import AuditRow, Store, TokenRow

__all__ = [
    "BadRequest",
    "Code",
    "Forbidden",
    "NotFound",
    "ServiceError",
    "Token",
    "TokenFields",
    "TokenService",
    "Unauthorized",
    "create_api_token",
    "open_service",
    "revoke_api_token",
    "rotate_server_key",
]

_log = logging.getLogger(__name__)

MAX_TEXT = 256
MIN_SECRET_BYTES = 10
"""80 bits: TOTPHog's own examples (``JBSWY3DPEHPK3PXP``); pyotp 2.12 asks for 112, shorter is refused."""
MAX_COUNTER = 2**62
"""The largest HOTP counter stored (the column is a signed 64-bit integer that ``next`` increments)."""
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that reorder how text is shown (U+202E RIGHT-TO-LEFT OVERRIDE...): refused in labels."""
_SECRET_ERRORS = (ValueError, TypeError, binascii.Error, PyOTPError)


class ServiceError(Exception):
    """An error for the API client; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        """HTTP headers the error response carries besides the JSON body."""
        return {}


class BadRequest(ServiceError):
    """Input that the service refuses (400)."""


class Unauthorized(ServiceError):
    """A missing or unknown API token (401)."""

    status = 401


class Forbidden(ServiceError):
    """A caller whose role or groups do not allow the request (403)."""

    status = 403


class NotFound(ServiceError):
    """An unknown token or user (404)."""

    status = 404


class CorruptSecret(ServiceError):
    """A stored secret that fails authentication (500: the database was altered, not the request)."""

    status = 500


@dataclass(frozen=True)
class Token:
    """A token as the API shows it (decrypted)."""

    id: str
    name: str
    secret: str
    issuer: str | None
    digits: int
    period: int
    algorithm: str
    created_at: str
    group: str | None = None
    type: str = "totp"
    """``totp``, or ``hotp`` for a counter-based token (``counter`` is the counter of its next code)."""
    counter: int | None = None

    def otp(self) -> TOTP | HOTP:
        """The token's OTP object: its TOTP, or for an HOTP token its HOTP at the next counter."""
        if self.type == "hotp":
            return make_hotp(
                self.secret,
                digits=self.digits,
                algorithm=self.algorithm,
                counter=self.counter or 0,
                name=self.name,
                issuer=self.issuer,
            )
        return self.totp()

    def totp(self) -> TOTP:
        """The token's TOTP object (a TOTP token's)."""
        return make_totp(
            self.secret,
            digits=self.digits,
            period=self.period,
            algorithm=self.algorithm,
            name=self.name,
            issuer=self.issuer,
        )


@dataclass(frozen=True)
class Code:
    """A token's code at one moment."""

    code: str
    remaining_seconds: int
    period: int
    generated_at: str


@dataclass(frozen=True)
class TokenFields:
    """The fields of a new token given one by one (TOTPHog's "manual parameters")."""

    name: str
    secret: str
    issuer: str | None = DEFAULT_ISSUER
    digits: int = 6
    period: int = 30
    algorithm: str = "sha1"
    group: str | None = None


def iso_time(seconds: float) -> str:
    """ISO 8601 in UTC with an explicit offset, to the second (``2024-01-15T10:30:00+00:00``)."""
    return datetime.fromtimestamp(int(seconds), timezone.utc).isoformat()


def check_text(field: str, value: str) -> str:
    """A name, issuer or username: non-empty, at most 256 characters, no control characters."""
    if not value.strip():
        raise BadRequest(f"{field} must not be empty")
    if len(value) > MAX_TEXT:
        raise BadRequest(f"{field} must be at most {MAX_TEXT} characters")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        raise BadRequest(f"{field} must not contain control characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise BadRequest(f"{field} must be valid Unicode text: it holds a lone surrogate")
    if any(c in BIDI_CONTROLS for c in value):
        raise BadRequest(
            f"{field} must not contain bidirectional control characters (such as U+202E): they disguise labels"
        )
    return value


def check_renderable(uri: str) -> str:
    """``uri`` when its QR code can be drawn; a 400 when it is too long for the largest QR code."""
    try:
        qr.make(uri)
    except ValueError:
        raise BadRequest(
            f"the token's otpauth URI ({len(uri)} characters) is too long for a QR code: shorten the name or issuer"
        ) from None
    return uri


def make_totp(
    secret: str,
    *,
    digits: int = 6,
    period: int = 30,
    algorithm: str = "sha1",
    name: str | None = None,
    issuer: str | None = None,
) -> TOTP:
    """A TOTP for stored parameters; secrets under pyotp's 112 bits are allowed (checked at creation)."""
    return TOTP(
        secret,
        digits=digits,
        digest=DIGESTS[algorithm.upper()],
        interval=period,
        name=name,
        issuer=issuer,
        allow_short_secret=True,
    )


def make_hotp(
    secret: str,
    *,
    digits: int = 6,
    algorithm: str = "sha1",
    counter: int = 0,
    name: str | None = None,
    issuer: str | None = None,
) -> HOTP:
    """An HOTP for stored parameters, ``counter`` its initial count; short secrets as :func:`make_totp`."""
    return HOTP(
        secret,
        digits=digits,
        digest=DIGESTS[algorithm.upper()],
        initial_count=counter,
        name=name,
        issuer=issuer,
        allow_short_secret=True,
    )


def normalise_secret(secret: str) -> str:
    """A pasted base32 secret as stored: without spaces or dashes, in upper case (as the CLI reads it)."""
    return "".join(secret.split()).replace("-", "").upper()


def checked_secret(secret: str) -> str:
    """A new token's secret, normalised (:func:`normalise_secret`: ``jbsw y3dp-ehpk 3pxp`` is
    ``JBSWY3DPEHPK3PXP``); one that is not base32 of at least 80 bits is a 400."""
    if not secret.strip():
        raise BadRequest("Invalid secret: secret must not be empty")
    secret = normalise_secret(secret)
    if len(secret) > MAX_TEXT:
        raise BadRequest(f"Invalid secret: at most {MAX_TEXT} characters")
    try:
        key = make_totp(secret).byte_secret()
    except _SECRET_ERRORS as error:
        raise BadRequest(f"Invalid secret: {error or type(error).__name__}") from None
    if len(key) < MIN_SECRET_BYTES:
        raise BadRequest(
            f"Invalid secret: it must decode to at least {8 * MIN_SECRET_BYTES} bits, not {8 * len(key)}"
        )
    return secret


def checked_totp(secret: str, **params: Any) -> TOTP:
    """:func:`make_totp` for new input (the secret normalised): a secret or parameter that cannot make a code is a 400."""
    secret = checked_secret(secret)
    try:
        totp = make_totp(secret, **params)
        totp.at(0)
    except _SECRET_ERRORS as error:
        raise BadRequest(str(error) or type(error).__name__) from None
    return totp


def checked_hotp(secret: str, *, digits: int, algorithm: str, counter: int) -> HOTP:
    """:func:`make_hotp` for new input (the secret normalised): what cannot make a code is a 400."""
    secret = checked_secret(secret)
    if not 0 <= counter <= MAX_COUNTER:
        raise BadRequest(f"counter must be from 0 to {MAX_COUNTER}")
    try:
        hotp = make_hotp(secret, digits=digits, algorithm=algorithm, counter=counter)
        hotp.at(0)
    except _SECRET_ERRORS as error:
        raise BadRequest(str(error) or type(error).__name__) from None
    return hotp


def algorithm_name(value: str) -> str:
    """``sha1``, ``sha256`` or ``sha512`` from any case of these names."""
    name = value.lower()
    if name not in {key.lower() for key in DIGESTS}:
        raise BadRequest("algorithm must be one of sha1, sha256, sha512")
    return name


EDITABLE = ("name", "issuer", "group")
"""The fields of a token that ``PATCH`` changes; the secret and the code's parameters are fixed."""


def _entries(trail: Trail | None, action: str, rows: list[TokenRow]) -> list[AuditRow]:
    """One audit entry per row (none without a trail)."""
    if trail is None:
        return []
    return [trail.entry(action, account_ids=[row.id], label=_label(row)) for row in rows]


def _label(row: TokenRow) -> str:
    return f"{row.issuer}:{row.name}" if row.issuer else row.name


def hash_api_token(token: str) -> str:
    """The stored form of an API token (SHA-256: the token itself is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    """The operations of the three APIs over one store and one server key."""

    def __init__(
        self,
        store: Store,
        box: SecretBox,
        *,
        require_auth: bool = False,
        rate_limit: RateLimit | None = None,
        audit_days: int = DEFAULT_AUDIT_DAYS,
        default_issuer: str | None = DEFAULT_ISSUER,
    ) -> None:
        self.store = store
        self.audit = AuditLog(store, audit_days)
        """The audit log (entries after reads; changes write theirs in their own transaction)."""
        self.box = box
        self.require_auth = require_auth
        """Ask for an API token even while none exists (beyond loopback, or behind a trusted proxy)."""
        self.rate_limit = rate_limit or RateLimit()
        """How many wrong codes verification counts per token before it answers 429."""
        self.default_issuer = default_issuer
        """The issuer of a token created through the TOTPHog API without one (None: no issuer)."""
        self._unreadable: tuple[int, int] | None = None

    # Tokens

    def token_of(self, row: TokenRow) -> Token:
        """The stored row as the API shows it, its secret decrypted (500 if it does not authenticate)."""
        try:
            secret = self.box.open(row.id, row.secret_sealed)
        except StoredSecretError as error:
            raise CorruptSecret(str(error)) from None
        return Token(
            id=row.id,
            name=row.name,
            secret=secret,
            issuer=row.issuer,
            digits=row.digits,
            period=row.period,
            algorithm=row.algorithm,
            created_at=iso_time(row.created_us / 1_000_000),
            group=row.group,
            type=row.type,
            counter=row.counter,
        )

    def _row(
        self,
        totp: TOTP,
        token_id: str,
        *,
        name: str,
        issuer: str | None,
        username: str | None = None,
        group: str | None = None,
    ) -> TokenRow:
        check_renderable(
            make_totp(
                totp.secret,
                digits=totp.digits,
                period=int(totp.interval),
                algorithm=totp.digest().name,
                name=name,
                issuer=issuer,
            ).provisioning_uri()
        )
        return TokenRow(
            id=token_id,
            name=name,
            issuer=issuer,
            digits=totp.digits,
            period=int(totp.interval),
            algorithm=totp.digest().name,
            secret_sealed=self.box.seal(token_id, totp.secret),
            created_us=time.time_ns() // 1000,
            username=username,
            group=None if group is None else check_text("group", group),
            secret_fingerprint=self.box.secret_fingerprint(totp.byte_secret()),
        )

    def token_row(
        self,
        totp: TOTP,
        token_id: str,
        *,
        name: str,
        issuer: str | None,
        username: str | None = None,
        group: str | None = None,
    ) -> TokenRow:
        """A new TOTP token's row, its secret sealed and fingerprinted (imports build rows before storing)."""
        return self._row(totp, token_id, name=name, issuer=issuer, username=username, group=group)

    def hotp_row(
        self, hotp: HOTP, token_id: str, *, name: str, issuer: str | None, group: str | None = None
    ) -> TokenRow:
        """A new HOTP token's row; ``hotp.initial_count`` is the counter of its next code."""
        check_renderable(
            make_hotp(
                hotp.secret,
                digits=hotp.digits,
                algorithm=hotp.digest().name,
                counter=hotp.initial_count,
                name=name,
                issuer=issuer,
            ).provisioning_uri()
        )
        return TokenRow(
            id=token_id,
            name=name,
            issuer=issuer,
            digits=hotp.digits,
            period=30,
            algorithm=hotp.digest().name,
            secret_sealed=self.box.seal(token_id, hotp.secret),
            created_us=time.time_ns() // 1000,
            group=None if group is None else check_text("group", group),
            type="hotp",
            counter=hotp.initial_count,
            secret_fingerprint=self.box.secret_fingerprint(hotp.byte_secret()),
        )

    def list_tokens(self) -> list[Token]:
        """Every readable token, oldest first; a row whose secret does not decrypt is logged and left out.

        One altered row must not take every list down with it: :meth:`unreadable_count` counts them.
        """
        tokens = []
        for row in self.store.list_tokens():
            try:
                tokens.append(self.token_of(row))
            except CorruptSecret as error:
                _log.error("left out of the list: %s", error.message)
        return tokens

    def unreadable_count(self) -> int:
        """How many stored secrets do not decrypt under the server key (recounted when the tokens change)."""
        generation = self.store.tokens_generation()
        if self._unreadable is None or self._unreadable[0] != generation:
            count = sum(
                1 for row in self.store.list_tokens() if not self.box.opens(row.id, row.secret_sealed)
            )
            self._unreadable = (generation, count)
        return self._unreadable[1]

    def get_token(self, token_id: str) -> Token:
        """One token by id."""
        row = self.store.get_token(token_id)
        if row is None:
            raise NotFound("Token not found")
        return self.token_of(row)

    def create_token(
        self, fields: TokenFields, trail: Trail | None = None, action: str = "token.create"
    ) -> Token:
        """Stores a token given field by field (audited as ``action`` when a ``trail`` is given)."""
        return self.create_tokens([fields], trail, action)[0]

    def create_tokens(
        self, many: list[TokenFields], trail: Trail | None = None, action: str = "token.create"
    ) -> list[Token]:
        """Stores tokens given field by field, all or none, in one transaction (imports, benchmarks)."""
        rows = []
        for fields in many:
            name = check_text("name", fields.name)
            issuer = None if fields.issuer is None else check_text("issuer", fields.issuer)
            algorithm = algorithm_name(fields.algorithm)
            totp = checked_totp(
                fields.secret, digits=fields.digits, period=fields.period, algorithm=algorithm
            )
            rows.append(self._row(totp, str(uuid.uuid4()), name=name, issuer=issuer, group=fields.group))
        self.store.insert_tokens(rows, _entries(trail, action, rows))
        return [self.token_of(row) for row in rows]

    def create_from_uri(self, uri: str, group: str | None = None, trail: Trail | None = None) -> Token:
        """Stores the token of an ``otpauth://totp/`` URI (label percent-decoded, issuer as pyotp reads it)."""
        if not uri.lower().startswith("otpauth://"):
            raise BadRequest("Invalid otpauth URI")
        try:
            otp = parse_uri(uri, allow_short_secret=True)
        except _SECRET_ERRORS as error:
            message = str(error)
            if "No secret found" in message:
                raise BadRequest("Missing secret in URI") from None
            if isinstance(error, binascii.Error) or message.startswith("Secrets must"):
                raise BadRequest(f"Invalid secret: {message}") from None
            raise BadRequest(f"Invalid otpauth URI: {message}") from None
        if type(otp) is not TOTP:
            raise BadRequest("Invalid otpauth URI: only totp URIs can be stored")
        algorithm = algorithm_name(otp.digest().name)
        name = check_text("name", otp.name or "Unknown")
        issuer = None if otp.issuer is None else check_text("issuer", otp.issuer)
        totp = checked_totp(otp.secret, digits=otp.digits, period=otp.interval, algorithm=algorithm)
        row = self._row(totp, str(uuid.uuid4()), name=name, issuer=issuer, group=group)
        self.store.insert_tokens([row], _entries(trail, "token.create", [row]))
        return self.token_of(row)

    def update_token(
        self, token_id: str, changes: dict[str, str | None], trail: Trail | None = None
    ) -> Token:
        """Renames a token, changes its issuer or moves it to a group (None: no issuer, no group).

        Only ``name``, ``issuer`` and ``group`` change; the name cannot be null.
        """
        values: dict[str, str | None] = {}
        for field, value in changes.items():
            if field not in EDITABLE:
                raise BadRequest(f"{field} cannot be changed: only {', '.join(EDITABLE)} can")
            if value is None and field == "name":
                raise BadRequest("name must not be null")
            values[field] = None if value is None else check_text(field, value)
        if not values:
            return self.get_token(token_id)
        entry = (
            []
            if trail is None
            else [trail.entry("token.update", account_ids=[token_id], label=values.get("name"))]
        )
        row = self.store.update_token(token_id, values, entry)
        if row is None:
            raise NotFound("Token not found")
        return self.token_of(row)

    def delete_token(self, token_id: str, trail: Trail | None = None) -> None:
        """Deletes one token."""
        row = self.store.get_token(token_id) if trail is not None else None
        if not self.store.delete_token(token_id, _entries(trail, "token.delete", [row] if row else [])):
            raise NotFound("Token not found")

    def delete_all(self, trail: Trail | None = None) -> int:
        """Deletes every token; returns how many there were."""
        entry = [] if trail is None else [trail.entry("tokens.delete_all")]
        return self.store.delete_all_tokens(entry)

    # Codes

    @staticmethod
    def code_of(token: Token, now: int) -> Code:
        """The TOTP token's code at ``now`` (Unix seconds); a 400 for an HOTP token, whose codes are
        handed out by ``POST /api/v1/tokens/{id}/next``."""
        if token.type == "hotp":
            raise BadRequest(
                f"Token {token.id} is an HOTP token: its codes are handed out by "
                f"POST /api/v1/tokens/{token.id}/next"
            )
        totp = token.totp()
        return Code(
            code=totp.at(now),
            remaining_seconds=token.period - now % token.period,
            period=token.period,
            generated_at=iso_time(now),
        )

    def code(self, token_id: str) -> Code:
        """The current code of one TOTP token (an HOTP token's code is handed out by ``next``)."""
        return self.code_of(self.get_token(token_id), int(time.time()))

    def uri(self, token_id: str) -> str:
        """The token's provisioning URI (an HOTP token's carries its next counter)."""
        return self.get_token(token_id).otp().provisioning_uri()

    def qr_png(self, token_id: str) -> bytes:
        """The PNG QR code of the token's provisioning URI."""
        return qr.make(self.uri(token_id)).png()

    # Team API

    def setup_user(self, username: str, secret: str, trail: Trail | None = None) -> None:
        """Sets up ``username`` with a secret (replacing its secret if it exists) as a SHA1/6/30 token."""
        check_text("username", username)
        totp = checked_totp(secret)
        row = self._row(totp, str(uuid.uuid4()), name=username, issuer=None, username=username)
        entry = [] if trail is None else [trail.entry("token.create", label=username)]
        self.store.upsert_user(username, row, lambda token_id: self.box.seal(token_id, totp.secret), entry)

    def user_totp(self, username: str) -> TOTP:
        """The TOTP of a user set up through the team API."""
        row = self.store.get_user(username)
        if row is None:
            raise NotFound("User not found")
        return self.token_of(row).totp()

    # Enrolment

    @staticmethod
    def enrol(issuer: str, account_name: str, digits: int, period: int, algorithm: str) -> dict[str, str]:
        """A new 160-bit secret, its URI (digits, period, algorithm always written), QR code and current code."""
        try:
            created = enroll(issuer, account_name, digits=digits, period=period, algorithm=algorithm.upper())
        except ValueError as error:
            raise BadRequest(str(error)) from None
        uri = (
            build_uri(created["secret"], account_name, issuer=issuer)
            + f"&digits={digits}&period={period}&algorithm={algorithm.upper()}"
        )
        return {
            "secret": created["secret"],
            "uri": uri,
            "qr_code": qr.make(check_renderable(uri)).data_uri(),
            "current_code": created["current_code"],
        }

    # API tokens

    def identify(
        self, authorization: str | None, open_problem: Callable[[], ServiceError | None]
    ) -> tuple[Caller, int]:
        """The caller an ``Authorization`` header names, and the tokens' generation; without API tokens,
        the service is open (the caller ``local``) to vouched peers.

        ``open_problem`` says why the request cannot be served without a token (its peer is not this
        machine, or its Host is foreign), or None; it is asked only while no API token exists. One
        statement: the API-token check, the caller's role and groups, and the tokens' generation
        (what a request needs before it knows whether its worker's cached tokens are current).
        """
        scheme, _, credential = (authorization or "").partition(" ")
        bearer = credential.strip() if scheme.lower() == "bearer" and credential.strip() else None
        state = self.store.request_state(hash_api_token(bearer) if bearer else None)
        if state.caller is not None:
            caller = state.caller
            return Caller(caller.name, caller.role, caller.groups), state.tokens_generation
        if not (state.api_tokens or self.require_auth):
            problem = open_problem()
            if problem is None:
                return LOCAL, state.tokens_generation
            raise problem
        if bearer is None:
            raise Unauthorized("Authorization required: send 'Authorization: Bearer <API token>'")
        raise Unauthorized("Invalid API token")


def check_role(role: str) -> str:
    """One of the roles (``codes``, ``manage``, ``admin``)."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def check_groups(groups: Sequence[str]) -> tuple[str, ...] | None:
    """The groups of a new API token, each checked as text; none given is None (every account)."""
    checked = tuple(dict.fromkeys(check_text("group", group) for group in groups))
    return checked or None


def create_api_token(
    store: Store, name: str, role: str = "admin", groups: Sequence[str] = (), trail: Trail = CLI
) -> str:
    """Creates an API token called ``name`` with a role and groups (none: every account) and returns it.

    Only its hash is stored; the creation is audited as ``api_token.create`` by ``trail``.
    """
    check_text("token name", name)
    role = check_role(role)
    checked = check_groups(groups)
    token = "pyotprs_" + secrets.token_urlsafe(32)
    entry = trail.entry("api_token.create", label=name, outcome=f"role {role}")
    if not store.add_api_token(
        name, hash_api_token(token), time.time_ns() // 1000, role=role, groups=checked, audit=[entry]
    ):
        raise BadRequest(f"an API token called {name!r} already exists")
    return token


def revoke_api_token(store: Store, name: str, trail: Trail = CLI) -> None:
    """Revokes the API token called ``name`` at once (audited as ``api_token.revoke``)."""
    if not store.delete_api_token(name, [trail.entry("api_token.revoke", label=name)]):
        raise NotFound(f"no API token called {name!r}")


# Start-up and key rotation

FINGERPRINT_SETTING = "server_key_fingerprint"


def _pending(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


def _finish_rotation(key_file: Path, stored: str | None) -> None:
    """Completes a key rotation that stopped after its commit, or drops one that never committed."""
    pending = _pending(key_file)
    if not pending.exists():
        return
    if stored is not None and SecretBox(read_key_file(pending)).fingerprint == stored:
        os.replace(pending, key_file)
        sync_directory(key_file.parent)
    else:
        pending.unlink()


def _server_key(config: ServiceConfig, store: Store) -> tuple[bytes, str]:
    """The server key and where it came from; creates the key file on the first start of a new database."""
    if config.server_key:
        return parse_key(config.server_key, KEY_ENV), KEY_ENV
    stored = store.get_setting(FINGERPRINT_SETTING)
    _finish_rotation(config.key_file, stored)
    source = f"key file {config.key_file}"
    if config.key_file.exists():
        return read_key_file(config.key_file), source
    if stored is not None:
        raise ServerKeyError(
            f"no server key: the database {store.url} holds secrets encrypted under a key, but {KEY_ENV} is not "
            f"set and the key file {config.key_file} does not exist"
        )
    text = new_key()
    write_key_file(config.key_file, text)
    return parse_key(text, source), source


def open_service(config: ServiceConfig) -> TokenService:
    """Opens the database (migrating it), loads and checks the server key, derives the keys once.

    Raises :class:`ServerKeyError` when the key is missing, malformed or not the database's key.
    """
    store = Store(config.database_url)
    store.migrate()
    key, source = _server_key(config, store)
    box = SecretBox(key)
    if store.set_setting_once(FINGERPRINT_SETTING, box.fingerprint) != box.fingerprint:
        raise ServerKeyError(
            f"wrong server key: the key from {source} is not the key the database {store.url} was encrypted "
            "with; start with the original key (rotate keys with 'pyotp-rs rotate-key')"
        )
    return TokenService(
        store,
        box,
        require_auth=not config.loopback or bool(config.trusted_proxies),
        rate_limit=config.rate_limit,
        audit_days=config.audit_days,
        default_issuer=config.default_issuer,
    )


def rotate_server_key(config: ServiceConfig, new_key_text: str | None) -> int:
    """Re-encrypts every secret under a new server key in one transaction; returns the number of tokens.

    Refused (:class:`ServerKeyError`, nothing changed) while a running service holds a live lease on
    the database (:mod:`.lease`): its workers would go on with the old key.

    With a key file, the new key is written next to it (``.new``, mode 0600) before the database
    commit and renamed over it after; a crash in between is completed by the next start. With
    ``PYOTP_RS_SERVER_KEY``, the new key comes from ``new_key_text`` and the caller's environment
    must switch to it.
    """
    old = open_service(config)
    if config.server_key:
        if not new_key_text:
            raise ServerKeyError(f"the server key comes from {KEY_ENV}: put the new key in {NEW_KEY_ENV}")
        new_box = SecretBox(parse_key(new_key_text, NEW_KEY_ENV))
    else:
        text = new_key()
        write_key_file(_pending(config.key_file), text)
        new_box = SecretBox(parse_key(text, "the new key"))

    def reseal(token_id: str, sealed: bytes) -> bytes:
        try:
            return new_box.seal(token_id, old.box.open(token_id, sealed))
        except StoredSecretError as error:
            raise ServerKeyError(f"{error}; nothing was changed") from None

    try:
        count = old.store.reseal_all(
            reseal, FINGERPRINT_SETTING, new_box.fingerprint, check_leases=refuse_live_leases
        )
    except ServerKeyError:
        if not config.server_key:
            _pending(config.key_file).unlink(missing_ok=True)
        raise
    if not config.server_key:
        _finish_rotation(config.key_file, new_box.fingerprint)
    old.store.dispose()
    return count
