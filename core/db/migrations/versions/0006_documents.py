"""documents: the archive, seal certificates, certificate templates, deliveries, legal mentions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deliveries_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deliveries_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "seal_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("chain_pem", sa.Text(), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_seal_certificates_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_certificates")),
    )
    with op.batch_alter_table("seal_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seal_certificates_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "certificate_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("css", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_certificate_templates_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_certificate_templates_program_id_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_templates")),
        sa.UniqueConstraint(
            "organization_id",
            "program_id",
            "version",
            name=op.f("uq_certificate_templates_organization_id"),
        ),
    )
    with op.batch_alter_table("certificate_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_templates_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_templates_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("exam_session_id", sa.String(length=36), nullable=True),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_documents_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_documents_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("credential_id", "kind", name=op.f("uq_documents_credential_id")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_documents_storage_key")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_documents_exam_session_id"), ["exam_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_documents_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_program_id"), ["program_id"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("siret", sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column("nda", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signatory_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signatory_role", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("language", sa.String(length=5), nullable=False, server_default="fr")
        )

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_options", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("document_options")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("signatory_role")
        batch_op.drop_column("signatory_name")
        batch_op.drop_column("address")
        batch_op.drop_column("nda")
        batch_op.drop_column("siret")
        batch_op.drop_column("legal_name")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_program_id"))
        batch_op.drop_index(batch_op.f("ix_documents_organization_id"))
        batch_op.drop_index(batch_op.f("ix_documents_exam_session_id"))
        batch_op.drop_index(batch_op.f("ix_documents_credential_id"))

    op.drop_table("documents")
    with op.batch_alter_table("certificate_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_templates_program_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_templates_organization_id"))

    op.drop_table("certificate_templates")
    with op.batch_alter_table("seal_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seal_certificates_organization_id"))

    op.drop_table("seal_certificates")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_organization_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_credential_id"))

    op.drop_table("deliveries")
