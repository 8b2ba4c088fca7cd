"""Verification state on each token (last accepted step, wrong-code count) and the tokens' generation.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds ``last_step``, ``failures`` and ``failures_since_us`` to ``tokens``, and ``generations``."""
    op.add_column("tokens", sa.Column("last_step", sa.BigInteger, nullable=True))
    op.add_column("tokens", sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
    op.add_column("tokens", sa.Column("failures_since_us", sa.BigInteger, nullable=True))
    generations = op.create_table(
        "generations",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(generations, [{"name": "tokens", "value": 0}])


def downgrade() -> None:
    """Drops ``generations`` and the three columns."""
    op.drop_table("generations")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("failures_since_us")
        batch.drop_column("failures")
        batch.drop_column("last_step")
