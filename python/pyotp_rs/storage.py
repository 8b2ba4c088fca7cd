"""Encrypted TOTP key storage compatible with passlib 1.7.4 (``pyotp_rs.storage``).

A :class:`Wallet` holds application secrets keyed by tag. ``TOTP.to_json(wallet)`` writes
passlib's TOTP JSON with the key encrypted under the wallet's newest tag, and
``TOTP.from_json(data, wallet)`` reads it back (``format="passlib"`` reads what passlib wrote).

Two encrypted forms exist:

- ``format="sealed"`` (the default): ``enckey`` version 3, AES-256-GCM under a
  PBKDF2-HMAC-SHA256 key, authenticating every member of the record and, when ``owner=`` is
  given, the owner id. A wrong secret, an edited member, a key moved to another record or
  another owner raises :class:`DecryptionError`.
- ``format="passlib"``: passlib's ``enckey`` version 1, AES-256-CTR with **no MAC**. passlib
  reads it; but a wrong application secret silently yields a wrong key.

Reading with a wallet accepts only sealed records unless ``format="passlib"`` is given, so a
record downgraded to version 1 or to a plain key is refused. ``Wallet.needs_rotation(data)``
and ``Wallet.rotate(data)`` re-encrypt stored data under the newest tag and cost (and migrate
the other forms to the sealed one).
"""

from ._pyotp_rs import TotpMatch, Wallet
from .exceptions import DecryptionError

__all__ = ["DecryptionError", "TotpMatch", "Wallet"]
