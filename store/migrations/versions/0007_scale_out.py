"""analysis claims: several `process` workers share the pending articles

Revision ID: 0007_scale_out
Revises: 0006_policy_changes
Create Date: 2026-12-06

`analysis_claim`: one row per article a `process` worker is analysing now, with
the worker and when the claim runs out (store/claims.py). A worker that dies
leaves its rows to expire; the article then goes to another worker.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007_scale_out'
down_revision = '0006_policy_changes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analysis_claim',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], ),
    sa.PrimaryKeyConstraint('article_id')
    )
    op.create_index(op.f('ix_analysis_claim_expires_at'), 'analysis_claim', ['expires_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_analysis_claim_expires_at'), table_name='analysis_claim')
    op.drop_table('analysis_claim')
