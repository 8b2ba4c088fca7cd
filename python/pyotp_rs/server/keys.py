"""The server key, and token secrets encrypted at rest with AES-256-GCM bound to the row id.

The server key is 32 random bytes, written as base64 (or 64 hex digits), from ``PYOTP_RS_SERVER_KEY``
or from a key file that the first start creates with mode 0600. Two keys are derived from it with
HKDF-SHA256, once per process: the AES-256-GCM key, and a fingerprint stored in the database so
that a wrong key is refused at start instead of failing on every request.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["KEY_BYTES", "SecretBox", "ServerKeyError", "StoredSecretError", "new_key", "parse_key"]

KEY_BYTES = 32
_NONCE_BYTES = 12
_MAKE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ServerKeyError(Exception):
    """A missing, unreadable, malformed or wrong server key; the message says which and what to do."""


class StoredSecretError(Exception):
    """A stored secret that does not decrypt: the row was altered, or copied from another row."""


def new_key() -> str:
    """A new random server key in its text form (unpadded URL-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).rstrip(b"=").decode()


def parse_key(text: str, source: str) -> bytes:
    """The 32 key bytes written in ``text`` (base64, URL-safe or not, or hex); ``source`` names it in errors."""
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 2 * KEY_BYTES and all(c in "0123456789abcdefABCDEF" for c in text):
        raw = bytes.fromhex(text)
    else:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            try:
                raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            except (binascii.Error, ValueError):
                raw = None
    if raw is None or len(raw) != KEY_BYTES:
        raise ServerKeyError(
            f"{source} must hold {KEY_BYTES} random bytes written as base64 or 64 hex digits; make one with {_MAKE_KEY}"
        )
    return raw


def read_key_file(path: Path) -> bytes:
    """The key in ``path``, refusing a file that other users can read."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ServerKeyError(
                f"key file {path} is accessible by other users (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
            )
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ServerKeyError(
            f"cannot read key file {path}: {getattr(error, 'strerror', None) or error}"
        ) from None
    return parse_key(text, f"key file {path}")


def write_key_file(path: Path, text: str) -> None:
    """Creates ``path`` (it must not exist) with mode 0600 holding ``text``, flushed to disk."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, f"{text}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        sync_directory(path.parent)
    except OSError as error:
        raise ServerKeyError(f"cannot create key file {path}: {error.strerror or error}") from None


def sync_directory(directory: Path) -> None:
    """Flushes a directory entry change (a new or renamed file) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pyotp-rs service: " + purpose).derive(
        key
    )


class SecretBox:
    """Encrypts and decrypts token secrets under one server key, derived once at construction.

    A sealed secret is ``nonce (12 bytes) || ciphertext || GCM tag``; the row id is authenticated
    data, so a ciphertext moved to another row does not decrypt.
    """

    def __init__(self, server_key: bytes) -> None:
        self._aead = AESGCM(_derive(server_key, b"token secrets v1"))
        self.fingerprint = _derive(server_key, b"key check v1")[:16].hex()
        """Identifies the key without revealing it; stored in the database to detect a wrong key."""

    @staticmethod
    def _aad(row_id: str) -> bytes:
        return b"pyotp-rs token secret v1\x00" + row_id.encode()

    def seal(self, row_id: str, secret: str) -> bytes:
        """Encrypts ``secret`` for the row ``row_id`` with a fresh random nonce."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), self._aad(row_id))

    def opens(self, row_id: str, sealed: bytes) -> bool:
        """Whether :meth:`open` would succeed."""
        try:
            self.open(row_id, sealed)
        except StoredSecretError:
            return False
        return True

    def open(self, row_id: str, sealed: bytes) -> str:
        """Decrypts a secret sealed for ``row_id``; raises :class:`StoredSecretError` if it does not authenticate."""
        try:
            return self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._aad(row_id)
            ).decode()
        except (InvalidTag, ValueError, UnicodeDecodeError):
            raise StoredSecretError(
                f"the stored secret of token {row_id} does not decrypt: the row was altered or copied from another row"
            ) from None
