"""QR codes of ``otpauth://`` provisioning URIs, rendered in Rust (an addition to pyotp).

>>> import pyotp_rs
>>> code = pyotp_rs.qr.make("otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH&issuer=Example")
>>> code.version, code.size
(4, 33)
>>> code.png()[:8]
b'\\x89PNG\\r\\n\\x1a\\n'

``TOTP.qr()`` and ``HOTP.qr()`` make the same object from an OTP's ``provisioning_uri()``.
In Jupyter, a cell ending with a ``QRCode`` displays the code.
"""

from ._pyotp_rs import QRCode, make

__all__ = ["QRCode", "make"]
