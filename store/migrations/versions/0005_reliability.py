"""job locks and known digest send states

Revision ID: 0005_reliability
Revises: 0004_page_table
Create Date: 2026-12-06

`job_lock`: one row per job while a process runs it (store/locks.py). Digest
sends get states that say how far a send got (store.models.SEND_STATES): a row
left `sending` by an older version may or may not have been delivered, which
is now called `unknown`.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005_reliability'
down_revision = '0004_page_table'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_lock',
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('acquired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('job')
    )
    op.execute("UPDATE digest_send SET status = 'unknown' WHERE status = 'sending'")


def downgrade() -> None:
    op.execute("UPDATE digest_send SET status = 'sending' WHERE status IN ('unknown', 'handed')")
    op.execute("UPDATE digest_send SET status = 'pending' WHERE status = 'claimed'")
    op.drop_table('job_lock')
