"""The asset directory.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assets_asset_id", "assets", ["asset_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_assets_asset_id", "assets")
    op.drop_table("assets")
