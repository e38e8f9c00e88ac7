"""key lifecycle: key versions, compromised keys, the keys each credential was signed with

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import base64
import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _jwt_kid(token: str) -> str | None:
    try:
        head = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid.rsplit("#", 1)[-1] if isinstance(kid, str) else None


def _proof_kid(document: str) -> str | None:
    try:
        proofs = json.loads(document).get("proof") or []
    except (ValueError, AttributeError):
        return None
    method = proofs[0].get("verificationMethod") if proofs and isinstance(proofs[0], dict) else None
    return method.rsplit("#", 1)[-1] if isinstance(method, str) else None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(
            sa.Column("key_version", sa.String(length=32), nullable=False, server_default="")
        )
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.add_column(sa.Column("compromised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.add_column(sa.Column("proof_kid", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("jwt_kid", sa.String(length=128), nullable=True))

    conn = op.get_bind()
    organizations = sa.table("organizations", sa.column("id"), sa.column("key_version"))
    for (org_id,) in conn.execute(sa.select(organizations.c.id)).all():
        conn.execute(
            organizations.update()
            .where(organizations.c.id == org_id)
            .values(key_version=secrets.token_hex(16))
        )
    credentials = sa.table(
        "credentials",
        sa.column("id"),
        sa.column("document"),
        sa.column("jwt"),
        sa.column("proof_kid"),
        sa.column("jwt_kid"),
    )
    rows = conn.execute(
        sa.select(credentials.c.id, credentials.c.document, credentials.c.jwt)
    ).all()
    for row in rows:
        conn.execute(
            credentials.update()
            .where(credentials.c.id == row.id)
            .values(proof_kid=_proof_kid(row.document), jwt_kid=_jwt_kid(row.jwt))
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.drop_column("jwt_kid")
        batch_op.drop_column("proof_kid")
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.drop_column("compromised_at")
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("key_version")
