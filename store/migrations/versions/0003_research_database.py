"""research database: every topic, year and month in the views; cue phrases stored

Revision ID: 0003_research_database
Revises: 0002
Create Date: 2026-12-01

The research views carry every topic of an article (`topics`, a JSON list of
slugs, so Datasette's array facets count a row once under each of its topics),
`year` and `month` of their date for date facets, and the cue phrases that
decided a stance (`cues`, new JSON columns on quote and actor_stance). A new
`articles` view lists articles with their topics and the bodies they name.
Columns are the same on SQLite and PostgreSQL; the few expressions that differ
(JSON lists, year and month) are written once per dialect below.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0003_research_database'
down_revision = '0002'
branch_labels = None
depends_on = None

_SQL = {
    "sqlite": {
        # The inner ORDER BY fixes the order json_group_array sees (rank first).
        "topics": ("(SELECT json_group_array(topic) FROM (SELECT t.topic FROM article_topic t "
                   "WHERE t.article_id = {a}.id ORDER BY t.rank, t.topic))"),
        "story_topics": ("(SELECT json_group_array(topic) FROM (SELECT DISTINCT t.topic "
                         "FROM article_topic t JOIN article c ON c.id = t.article_id "
                         "WHERE c.story_id = {s}.id ORDER BY t.topic))"),
        "actors": ("(SELECT json_group_array(actor_id) FROM (SELECT m.actor_id FROM mention m "
                   "WHERE m.article_id = {a}.id ORDER BY m.count DESC, m.actor_id))"),
        "year": "CAST(substr({d}, 1, 4) AS INTEGER)",
        "month": "substr({d}, 1, 7)",
    },
    "postgresql": {
        "topics": ("(SELECT COALESCE(json_agg(t.topic ORDER BY t.rank, t.topic), "
                   "'[]'::json)::text FROM article_topic t WHERE t.article_id = {a}.id)"),
        "story_topics": ("(SELECT COALESCE(json_agg(DISTINCT t.topic ORDER BY t.topic), "
                         "'[]'::json)::text FROM article_topic t JOIN article c "
                         "ON c.id = t.article_id WHERE c.story_id = {s}.id)"),
        "actors": ("(SELECT COALESCE(json_agg(m.actor_id ORDER BY m.count DESC, m.actor_id), "
                   "'[]'::json)::text FROM mention m WHERE m.article_id = {a}.id)"),
        "year": "CAST(EXTRACT(YEAR FROM {d}) AS INTEGER)",
        "month": "to_char({d}, 'YYYY-MM')",
    },
}


def _views(dialect: str) -> dict[str, str]:
    # Columns in the order a researcher reads a row: date, who, what, the evidence, then
    # where it comes from, then the ids and facet columns.
    sql = _SQL[dialect]
    topics = sql["topics"].format(a="a")
    year, month = sql["year"].format(d="a.published"), sql["month"].format(d="a.published")
    source = f"a.title, {topics} AS topics, a.source, a.url"
    dated = f"{year} AS year, {month} AS month"
    return {
        "quotes": f"""
            SELECT q.id AS quote_id, a.published, q.speaker, ac.name AS actor_name, q.stance,
                   q.text, q.evidence, q.cues, {source}, q.actor_id, q.confidence, {dated},
                   q.article_id
            FROM quote q
            JOIN article a ON a.id = q.article_id
            LEFT JOIN actor ac ON ac.id = q.actor_id""",
        "actor_stances": f"""
            SELECT s.id AS stance_id, a.published, ac.name AS actor_name, s.stance,
                   s.evidence, s.cues, {source}, s.actor_id, ac.kind AS actor_kind,
                   s.confidence, {dated}, s.article_id
            FROM actor_stance s
            JOIN article a ON a.id = s.article_id
            LEFT JOIN actor ac ON ac.id = s.actor_id""",
        "events": f"""
            SELECT e.id AS event_id, a.published, ac.name AS actor_name, e.action, e.object,
                   e.date, e.sentence, {source}, e.actor_id, e.timeline_entry_id, {dated},
                   e.article_id
            FROM policy_event e
            JOIN article a ON a.id = e.article_id
            LEFT JOIN actor ac ON ac.id = e.actor_id""",
        "timeline": f"""
            SELECT te.id AS entry_id, te.date, ac.name AS actor_name, te.action, te.object,
                   te.topic, rac.name AS reaction_actor_name, r.stance AS reaction_stance,
                   q.text AS reaction_quote, ra.url AS reaction_url,
                   ra.published AS reaction_published, r.reason AS reaction_reason,
                   te.actor_id, r.id AS reaction_id, r.actor_id AS reaction_actor_id,
                   {sql['year'].format(d='te.date')} AS year,
                   {sql['month'].format(d='te.date')} AS month
            FROM timeline_entry te
            LEFT JOIN actor ac ON ac.id = te.actor_id
            LEFT JOIN reaction r ON r.timeline_entry_id = te.id
            LEFT JOIN actor rac ON rac.id = r.actor_id
            LEFT JOIN article ra ON ra.id = r.article_id
            LEFT JOIN quote q ON q.id = r.quote_id""",
        "headlines": f"""
            SELECT s.id AS story_id, a.published, a.title,
                   {sql['story_topics'].format(s='s')} AS topics, a.source,
                   (SELECT COUNT(*) FROM article c WHERE c.story_id = s.id) AS copies,
                   (SELECT COUNT(DISTINCT c.source) FROM article c WHERE c.story_id = s.id)
                       AS sources,
                   a.url,
                   (SELECT MAX(c.updated_at) FROM article c WHERE c.story_id = s.id)
                       AS updated_at,
                   {dated}, a.id AS article_id
            FROM story s
            JOIN article a ON a.id = (
                SELECT f.id FROM article f WHERE f.story_id = s.id
                ORDER BY CASE WHEN f.published IS NULL THEN 1 ELSE 0 END, f.published, f.id
                LIMIT 1)""",
        "articles": f"""
            SELECT a.id AS article_id, a.published, {source},
                   {sql['actors'].format(a='a')} AS actors, a.author, a.story_id, {dated}
            FROM article a""",
    }


def _previous_views() -> dict[str, str]:
    """The views of revision 0002, to put back on downgrade."""
    path = Path(__file__).with_name("0002_views.py")
    spec = importlib.util.spec_from_file_location("pcnwatch_migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VIEWS


def upgrade() -> None:
    # Plain ADD COLUMN (never a batch copy of the table): SQLite keeps quote's FTS triggers.
    for table in ("quote", "actor_stance"):
        op.add_column(table, sa.Column("cues", sa.JSON(), nullable=False, server_default="[]"))
    for name in ("quotes", "actor_stances", "events", "timeline", "headlines"):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, sql in _views(op.get_bind().dialect.name).items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(list(_views(op.get_bind().dialect.name))):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for table in ("quote", "actor_stance"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN cues")
    for name, sql in _previous_views().items():
        op.execute(f"CREATE VIEW {name} AS {sql}")
