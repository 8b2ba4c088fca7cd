"""Encrypted TOTP key storage compatible with passlib 1.7.4 (``pyotp_rs.storage``).

A :class:`Wallet` holds application secrets keyed by tag. ``TOTP.to_json(wallet)`` writes
passlib's TOTP JSON with the key encrypted under the wallet's newest tag, and
``TOTP.from_json(data, wallet)`` reads it back (or reads what passlib wrote).

Two encrypted forms exist:

- ``format="sealed"`` (the default): ``enckey`` version 2, AES-256-GCM under a
  PBKDF2-HMAC-SHA256 key. A wrong secret or any modification raises :class:`DecryptionError`.
- ``format="passlib"``: passlib's ``enckey`` version 1, AES-256-CTR with **no MAC**. passlib
  reads it; but a wrong application secret silently yields a wrong key.

``Wallet.needs_rotation(data)`` and ``Wallet.rotate(data)`` re-encrypt stored data under the
newest tag and cost.
"""

from ._pyotp_rs import TotpMatch, Wallet
from .exceptions import DecryptionError

__all__ = ["DecryptionError", "TotpMatch", "Wallet"]
