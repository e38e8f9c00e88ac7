"""candidate addresses: the candidates' postal address, for the address list of postal delivery

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_line1", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("address_line2", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("city")
        batch_op.drop_column("postal_code")
        batch_op.drop_column("address_line2")
        batch_op.drop_column("address_line1")
