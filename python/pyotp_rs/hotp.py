"""Counter-based one-time passwords (``pyotp.hotp``)."""

from ._pyotp_rs import HOTP, _hotp_provisioning_uri

__all__ = ["HOTP"]


def _provisioning_uri(
    self: HOTP,
    *,
    name: str | None = None,
    initial_count: int | None = None,
    issuer_name: str | None = None,
    **kwargs: str,
) -> str:
    """The ``otpauth://hotp/...`` URI for authenticator apps."""
    return _hotp_provisioning_uri(self, name, initial_count, issuer_name, kwargs)


# A Python method, not a compiled one: see ``pyotp_rs.totp``.
_provisioning_uri.__name__ = "provisioning_uri"
_provisioning_uri.__qualname__ = "HOTP.provisioning_uri"
HOTP.provisioning_uri = _provisioning_uri  # type: ignore[method-assign]
