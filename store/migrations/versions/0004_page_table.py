"""page table: every article URL the crawler asked for, its outcome and when it is due

Revision ID: 0004_page_table
Revises: 0003_research_database
Create Date: 2026-12-06

One row per canonical URL the crawler asked for: what it made of the page (stored,
off-topic, too short, not an article, HTTP error, robots ...), the page's validators and
content hash, failures in a row, and when it is due to be asked for again. Articles stored
before this revision get a row each, due at once, so the next crawl revalidates them as
it did before.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004_page_table'
down_revision = '0003_research_database'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('article_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_lastmod', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('next_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_url'), ['url'], unique=True)
        batch_op.create_index(batch_op.f('ix_page_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_next_due_at'), ['next_due_at'], unique=False)
    op.execute(
        "INSERT INTO page (url, source, outcome, article_url, etag, last_modified, "
        "source_lastmod, content_hash, failures, first_seen_at, checked_at, next_due_at) "
        "SELECT url, source, 'stored', url, etag, last_modified, source_lastmod, content_hash, "
        "0, first_seen_at, fetched_at, fetched_at FROM article")


def downgrade() -> None:
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_next_due_at'))
        batch_op.drop_index(batch_op.f('ix_page_outcome'))
        batch_op.drop_index(batch_op.f('ix_page_source'))
        batch_op.drop_index(batch_op.f('ix_page_url'))
    op.drop_table('page')
