"""policy changes: one timeline entry per change, with its title, stage and how its date is known

Revision ID: 0006_policy_changes
Revises: 0005_reliability
Create Date: 2026-12-08

A timeline entry is now one policy change (its reports merged across articles and
sites, several acts of one announcement together): it gains a readable `title`,
its `stage` ("draft published", "scaled back", "confirmed"), `follows_id` (the
earlier entry on the same policy), `date_basis` (reported, sources differ,
estimated, unknown), `effective` (when its lead act takes effect or is due) and
`first_reported`. Each policy event records which act of its entry it reports
(`act`) and why it was merged there (`merge_reason`). The Timeline view shows the
title, stage and date basis; the Policy events view the merge reason. Existing
timelines are rebuilt by the next timeline run (every article is marked for it).
Columns are added and dropped in place, never by a batch copy: rows elsewhere
point at both tables.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006_policy_changes'
down_revision = '0005_reliability'
branch_labels = None
depends_on = None


def _research_database():
    """Revision 0003's module: its views, and the SQL that differs by dialect."""
    path = Path(__file__).with_name("0003_research_database.py")
    spec = importlib.util.spec_from_file_location("pcnwatch_migration_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _views(dialect: str) -> dict[str, str]:
    old = _research_database()
    views = old._views(dialect)
    sql = old._SQL[dialect]
    topics = sql["topics"].format(a="a")
    year, month = sql["year"].format(d="a.published"), sql["month"].format(d="a.published")
    views["events"] = f"""
            SELECT e.id AS event_id, a.published, ac.name AS actor_name, e.action, e.object,
                   e.date, e.sentence, a.title, {topics} AS topics, a.source, a.url,
                   e.actor_id, e.timeline_entry_id, e.merge_reason, {year} AS year,
                   {month} AS month, e.article_id
            FROM policy_event e
            JOIN article a ON a.id = e.article_id
            LEFT JOIN actor ac ON ac.id = e.actor_id"""
    views["timeline"] = f"""
            SELECT te.id AS entry_id, te.date, te.date_basis, te.title, te.stage,
                   ac.name AS actor_name, te.action, te.object, te.effective, te.topic,
                   rac.name AS reaction_actor_name, r.stance AS reaction_stance,
                   q.text AS reaction_quote, ra.url AS reaction_url,
                   ra.published AS reaction_published, r.reason AS reaction_reason,
                   te.actor_id, te.follows_id, r.id AS reaction_id,
                   r.actor_id AS reaction_actor_id,
                   {sql['year'].format(d='te.date')} AS year,
                   {sql['month'].format(d='te.date')} AS month
            FROM timeline_entry te
            LEFT JOIN actor ac ON ac.id = te.actor_id
            LEFT JOIN reaction r ON r.timeline_entry_id = te.id
            LEFT JOIN actor rac ON rac.id = r.actor_id
            LEFT JOIN article ra ON ra.id = r.article_id
            LEFT JOIN quote q ON q.id = r.quote_id"""
    return views


_ENTRY_COLUMNS = ("follows_id", "date_basis", "effective", "first_reported", "title", "stage")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("events", "timeline"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.add_column("timeline_entry", sa.Column(
        "date_basis", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.add_column("timeline_entry", sa.Column("effective", sa.Date(), nullable=True))
    op.add_column("timeline_entry", sa.Column("first_reported", sa.Date(), nullable=True))
    op.add_column("timeline_entry", sa.Column("title", sa.Text(), nullable=True))
    op.add_column("timeline_entry", sa.Column(
        "stage", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
    # A plain id, not a foreign key (see TimelineEntry.follows_id).
    op.add_column("timeline_entry", sa.Column("follows_id", sa.Integer(), nullable=True))
    op.create_index("ix_timeline_entry_follows_id", "timeline_entry", ["follows_id"])
    op.create_index("ix_timeline_entry_first_reported", "timeline_entry", ["first_reported"])
    op.add_column("policy_event", sa.Column("act", sa.Integer(), nullable=True))
    op.add_column("policy_event", sa.Column("merge_reason", sa.Text(), nullable=True))
    views = _views(dialect)
    for name in ("events", "timeline"):
        op.execute(f"CREATE VIEW {name} AS {views[name]}")
    # The next timeline run works every entry out again, with titles and stages.
    op.execute("UPDATE article SET timeline_at = NULL")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("events", "timeline"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_index("ix_timeline_entry_first_reported", table_name="timeline_entry")
    op.drop_index("ix_timeline_entry_follows_id", table_name="timeline_entry")
    # Plain ALTER TABLE: Alembic would copy the tables on SQLite.
    for column in _ENTRY_COLUMNS:
        op.execute(f"ALTER TABLE timeline_entry DROP COLUMN {column}")
    for column in ("merge_reason", "act"):
        op.execute(f"ALTER TABLE policy_event DROP COLUMN {column}")
    old = _research_database()._views(dialect)
    for name in ("events", "timeline"):
        op.execute(f"CREATE VIEW {name} AS {old[name]}")
    op.execute("UPDATE article SET timeline_at = NULL")
