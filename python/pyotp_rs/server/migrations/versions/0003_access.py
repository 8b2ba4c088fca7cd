"""Team access: a role and groups on each API token, a group on each token, and the audit log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds ``api_tokens.role`` (existing tokens are ``admin``) and ``groups``, ``tokens.group``, ``audit``
    and ``audit_sets`` (the id lists that entries about several accounts share)."""
    op.add_column("api_tokens", sa.Column("role", sa.String(16), nullable=False, server_default="admin"))
    op.add_column("api_tokens", sa.Column("groups", sa.Text, nullable=True))
    op.add_column("tokens", sa.Column("group", sa.Text, nullable=True))
    op.create_table(
        "audit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.Text, nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("account_ids", sa.Text, nullable=True),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("remote_addr", sa.String(64), nullable=True),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("account_set", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_at", "audit", ["at_us"])
    op.create_table(
        "audit_sets",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("account_ids", sa.Text, nullable=False),
        sa.Column("touched_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drops ``audit_sets``, ``audit`` and the three columns."""
    op.drop_table("audit_sets")
    op.drop_index("ix_audit_at", "audit")
    op.drop_table("audit")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("group")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("groups")
        batch.drop_column("role")
