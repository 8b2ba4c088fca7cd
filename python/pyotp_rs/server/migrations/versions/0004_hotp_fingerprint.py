"""HOTP tokens (their type and next counter) and a keyed fingerprint of each secret, for imports.

Revision ID: 0004
Revises: 0003

``secret_fingerprint`` is filled by the service, which alone holds the key (a row whose value is
NULL, or was made under another server key, gets a new one at the next import).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds ``type``, ``counter`` and ``secret_fingerprint`` to ``tokens``."""
    op.add_column("tokens", sa.Column("type", sa.String(8), nullable=False, server_default="totp"))
    op.add_column("tokens", sa.Column("counter", sa.BigInteger, nullable=True))
    op.add_column("tokens", sa.Column("secret_fingerprint", sa.String(80), nullable=True))
    op.create_index("ix_tokens_secret_fingerprint", "tokens", ["secret_fingerprint"])


def downgrade() -> None:
    """Drops the three columns; refused while HOTP tokens exist (the older schema would take them for TOTP)."""
    hotp = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM tokens WHERE type = 'hotp'")).scalar()
    if hotp:
        raise RuntimeError(f"{hotp} HOTP token(s) exist: delete them before downgrading below revision 0004")
    op.drop_index("ix_tokens_secret_fingerprint", "tokens")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("secret_fingerprint")
        batch.drop_column("counter")
        batch.drop_column("type")
