"""The team TOTP service behind ``pyotp-rs serve`` (needs the ``server`` extra: Flask, gunicorn, SQLAlchemy).

It serves the TOTPHog API under ``/api/v1``, the team API (``POST /setup``, ``GET /get-totp/<username>``)
and enrolment (``GET /v1/auth/totp-generate``), with secrets encrypted at rest. For another WSGI server:

    from pyotp_rs.server import ServiceConfig, create_app
    app = create_app(ServiceConfig.from_options(db="/var/lib/totp/service.sqlite3"))
"""

from .app import create_app
from .config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
