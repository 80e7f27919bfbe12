"""the device a job ran on; retention: removed files, holds

Revision ID: d5e2b8c41f90
Revises: c3f1a9d2e4b7
Create Date: 2026-12-03 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5e2b8c41f90'
down_revision = 'c3f1a9d2e4b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ran_on', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('files_removed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('files_hold', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('artifacts', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('files_hold')
        batch_op.drop_column('files_removed_at')
        batch_op.drop_column('ran_on')
