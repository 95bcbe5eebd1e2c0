"""Grouping copies of one piece of news into a story.

The crawler computes a MinHash signature of each article's text (datasketch);
two signatures agree in a share of positions that estimates the Jaccard
similarity of the two texts' shingles. A new article joins the story of the
most similar stored article published within a few days of it, if the
similarity reaches the threshold; otherwise it starts a story of its own.
"""

from datetime import timedelta

from sqlmodel import Session, select

from store.models import Article, Story

STORY_THRESHOLD = 0.5
STORY_WINDOW_DAYS = 7


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two MinHash signatures of equal length."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def assign_story(session: Session, article: Article, *,
                 threshold: float = STORY_THRESHOLD,
                 window_days: int = STORY_WINDOW_DAYS) -> Story:
    """Put `article` in the story of its nearest twin, or in a new story."""
    best, best_score = None, 0.0
    if article.minhash:
        query = select(Article).where(Article.id != article.id, Article.story_id.is_not(None))
        if article.published is not None:
            window = timedelta(days=window_days)
            query = query.where(Article.published.between(article.published - window,
                                                          article.published + window))
        for other in session.exec(query):
            score = similarity(article.minhash, other.minhash)
            if score > best_score:
                best, best_score = other, score
    if best is not None and best_score >= threshold:
        story = session.get(Story, best.story_id)
    else:
        story = Story(title=article.title, first_published=article.published)
        session.add(story)
        session.flush()
    if article.published and (story.first_published is None
                              or article.published < story.first_published):
        story.first_published = article.published
    article.story_id = story.id
    session.add(article)
    return story
