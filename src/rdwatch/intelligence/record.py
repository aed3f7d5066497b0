"""What ingest records of each stored article beyond its facts: its claims on the story (who said
what) and its timeline rows (people's roles, organisations' events). One call per article, a few
bounded inserts and one indexed lookup per person with a role: the cost does not grow with the
story.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rdwatch.config import NotabilityConfig
from rdwatch.intelligence.claims import article_claims
from rdwatch.intelligence.timeline import (
    NAMED,
    OrgEntry,
    org_reports,
    resolve_role,
    role_reports,
)
from rdwatch.models import ArticleStatus
from rdwatch.store import claims as claim_store
from rdwatch.store import timeline as timeline_store
from rdwatch.store.articles import NewArticle


def record_article(
    session: Session,
    settings: NotabilityConfig,
    story_id: int,
    article_id: int,
    new: NewArticle,
    now: datetime,
) -> None:
    """Record the article's claims and timeline rows; a copy (duplicate) adds none: its original
    already said the same, under the same publisher."""
    if new.decision.status == ArticleStatus.DUPLICATE:
        return
    article = new.article
    publisher = article.publisher or article.source
    # An undated article was reported when it was fetched; an undated archive file, who knows.
    archived = new.decision.status == ArticleStatus.ARCHIVE
    day = article.published or (None if archived else now.date())
    claim_store.add_claims(
        session, story_id, article_id, publisher, article_claims(new.facts, settings)
    )
    reports = role_reports(new.facts, f"{article.title}\n{article.text}")
    if reports:
        last = timeline_store.last_roles(session, [r.person_key for r in reports], day)
        entries = [
            resolve_role(
                r, last.get(r.person_key), story_id=story_id, article_id=article_id,
                publisher=publisher, reported_on=day,
            )
            for r in reports
        ]  # fmt: skip
        timeline_store.add_roles(session, entries)
    # That a story names an organisation is recorded from its first report; later ones add
    # what they say happened to it (established, headcounts).
    first = new.decision.status in (ArticleStatus.NEW, ArticleStatus.ARCHIVE)
    orgs = [r for r in org_reports(new.facts, article.title) if first or r.event != NAMED]
    timeline_store.add_org_events(
        session, [OrgEntry(r, day, publisher, story_id, article_id) for r in orgs]
    )
