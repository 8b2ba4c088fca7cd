"""Who may do what: the roles of API tokens, their groups, and the caller of a request (no HTTP here).

An API token has one role, ``codes`` < ``manage`` < ``admin``, and either no groups (it reaches every
account) or a list of groups (it reaches only the accounts in one of them). Open loopback mode is
the caller ``local``, an admin of every group. The web layer (``access.py``) asks these questions
once per request; this module answers them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LOCAL", "ROLES", "Caller"]

ROLES = ("codes", "manage", "admin")
"""The roles, from the least to the most powerful."""


@dataclass(frozen=True)
class Caller:
    """The API token behind a request: its name, role and groups (None: every group)."""

    name: str
    role: str
    groups: tuple[str, ...] | None = None

    def has(self, role: str) -> bool:
        """True when the caller's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sees_secrets(self) -> bool:
        """Only admins are shown secrets (the TOTPHog shape); the others get tokens without ``secret``."""
        return self.role == "admin"

    def reaches(self, group: str | None) -> bool:
        """True when the caller may see an account in ``group``."""
        return self.groups is None or group in self.groups

    def json(self) -> dict[str, object]:
        """``{"name", "role", "groups"}`` as ``/api/v1/me`` answers."""
        return {
            "name": self.name,
            "role": self.role,
            "groups": None if self.groups is None else list(self.groups),
        }


LOCAL = Caller("local", "admin", None)
"""The caller of open loopback mode (no API token exists)."""
