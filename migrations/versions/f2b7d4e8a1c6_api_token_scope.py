"""api token scope: full (what the owner's role allows) or read (GET only)

Revision ID: f2b7d4e8a1c6
Revises: e7a4c2d9b1f3
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2b7d4e8a1c6'
down_revision = 'e7a4c2d9b1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=10), server_default='full', nullable=False))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scope')
