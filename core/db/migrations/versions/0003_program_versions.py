"""program versions: evaluation scheme and eligibility, one immutable row per edit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "program_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("scheme", sa.Text(), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_program_versions_program_id_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_versions")),
        sa.UniqueConstraint("program_id", "number", name=op.f("uq_program_versions_program_id")),
    )
    with op.batch_alter_table("program_versions") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_versions_program_id"), ["program_id"], unique=False
        )
    with op.batch_alter_table("programs") as batch_op:
        batch_op.add_column(
            sa.Column("current_version", sa.Integer(), nullable=False, server_default="1")
        )
    # Every existing program becomes its own version 1.
    conn = op.get_bind()
    programs = sa.table(
        "programs",
        sa.column("id"),
        sa.column("definition"),
        sa.column("validity_days"),
        sa.column("created_at"),
    )
    versions = sa.table(
        "program_versions",
        sa.column("program_id"),
        sa.column("number"),
        sa.column("definition"),
        sa.column("validity_days"),
        sa.column("created_at"),
        sa.column("created_by"),
    )
    for row in conn.execute(sa.select(programs)).all():
        conn.execute(
            versions.insert().values(
                program_id=row.id,
                number=1,
                definition=row.definition,
                validity_days=row.validity_days,
                created_at=row.created_at or dt.datetime.now(dt.UTC),
                created_by="migration",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("programs") as batch_op:
        batch_op.drop_column("current_version")
    op.drop_table("program_versions")
