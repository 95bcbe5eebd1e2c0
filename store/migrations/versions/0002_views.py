"""views for research and Datasette

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Five read-only SQL views, the same columns on SQLite and PostgreSQL (plain
SQL only: no string aggregation, no JSON functions). Their columns are
documented in `publish/views.py`, which is also where Datasette reads them.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The article's first topic (rank 0), for faceting rows by topic.
_TOPIC = ("(SELECT t.topic FROM article_topic t WHERE t.article_id = a.id "
          "ORDER BY t.rank, t.topic LIMIT 1)")

VIEWS = {
    "quotes": f"""
        SELECT q.id AS quote_id, a.url, a.published, a.source, a.title, {_TOPIC} AS topic,
               q.speaker, q.actor_id, ac.name AS actor_name, q.stance, q.confidence,
               q.text, q.evidence, q.article_id
        FROM quote q
        JOIN article a ON a.id = q.article_id
        LEFT JOIN actor ac ON ac.id = q.actor_id""",
    "actor_stances": f"""
        SELECT s.id AS stance_id, a.url, a.published, a.source, a.title, {_TOPIC} AS topic,
               s.actor_id, ac.name AS actor_name, ac.kind AS actor_kind, s.stance,
               s.confidence, s.evidence, s.article_id
        FROM actor_stance s
        JOIN article a ON a.id = s.article_id
        LEFT JOIN actor ac ON ac.id = s.actor_id""",
    "events": f"""
        SELECT e.id AS event_id, a.url, a.published, a.source, {_TOPIC} AS topic,
               e.action, e.actor_id, ac.name AS actor_name, e.object, e.date, e.sentence,
               e.timeline_entry_id, e.article_id
        FROM policy_event e
        JOIN article a ON a.id = e.article_id
        LEFT JOIN actor ac ON ac.id = e.actor_id""",
    "timeline": """
        SELECT te.id AS entry_id, te.date, te.action, te.actor_id, ac.name AS actor_name,
               te.object, te.topic, r.id AS reaction_id, r.actor_id AS reaction_actor_id,
               rac.name AS reaction_actor_name, r.stance AS reaction_stance,
               q.text AS reaction_quote, ra.url AS reaction_url,
               ra.published AS reaction_published, r.reason AS reaction_reason
        FROM timeline_entry te
        LEFT JOIN actor ac ON ac.id = te.actor_id
        LEFT JOIN reaction r ON r.timeline_entry_id = te.id
        LEFT JOIN actor rac ON rac.id = r.actor_id
        LEFT JOIN article ra ON ra.id = r.article_id
        LEFT JOIN quote q ON q.id = r.quote_id""",
    "headlines": f"""
        SELECT s.id AS story_id, a.title, a.url, a.published, a.source, {_TOPIC} AS topic,
               (SELECT COUNT(*) FROM article c WHERE c.story_id = s.id) AS copies,
               (SELECT COUNT(DISTINCT c.source) FROM article c WHERE c.story_id = s.id)
                   AS sources,
               (SELECT MAX(c.updated_at) FROM article c WHERE c.story_id = s.id) AS updated_at
        FROM story s
        JOIN article a ON a.id = (
            SELECT f.id FROM article f WHERE f.story_id = s.id
            ORDER BY CASE WHEN f.published IS NULL THEN 1 ELSE 0 END, f.published, f.id
            LIMIT 1)""",
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
