"""The parts every alert format is built from: what happened, the key facts, why it fired and who
reports it. Pure: a stored story plus what the reader already knows in, `AlertParts` out.

Every string in `AlertParts` that an outlet wrote has been through `clean_text`, and every URL
through `chat_url` (http(s) only, no `@` a chat service could read as a mention), whatever the
format: an HTML body sent to a chat service is converted to its markdown by apprise. The
templates only add their format's escaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rdwatch.config import NotabilityConfig
from rdwatch.models import ArticleStatus, StoryArticle, StoryView
from rdwatch.notify.amounts import merge_amounts
from rdwatch.notify.key_facts import (
    KeyFact,
    Significance,
    candidate_facts,
    choose_key_facts,
    count_new,
)
from rdwatch.notify.lead import LeadTargets, extract_lead
from rdwatch.notify.text import chat_url, clean_text
from rdwatch.notify.why import WhyFacts, watched_names, why_phrases

DEFAULT_SETTINGS = NotabilityConfig()


@dataclass(frozen=True)
class AlertContext:
    """What the reader already knows and what the store holds beyond the story view.

    `known_keys`: fact keys of the archive and, for an update, of the last message on the
    story on its channel.
    `texts`: the opening text of the story's articles, by article id (for the lead).
    `watched`: the watched entities the story names in a headline or lead; the ones its
    notability reasons name are added to them.
    `contradictions`: where the story's publishers disagree, one phrase each
    ("amount: US$1 bn (Reuters) vs US$1.5 bn (Bloomberg)").
    """

    known_keys: frozenset[str] = frozenset()
    texts: Mapping[int, str] = field(default_factory=dict)
    money_threshold_usd: float = DEFAULT_SETTINGS.money_usd_threshold
    since_first_alert: bool = False
    watched: tuple[str, ...] = ()
    count_threshold: float = DEFAULT_SETTINGS.count_threshold
    contradictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleLink:
    outlet: str
    title: str
    url: str  # http(s) only; empty when the article has no such URL (archive files)


@dataclass(frozen=True)
class Outlet:
    """One independent publisher and its own articles on the story."""

    name: str
    articles: tuple[ArticleLink, ...]


@dataclass(frozen=True)
class AlertParts:
    story_id: int
    headline: str
    url: str  # the best article's
    lead: str
    facts: tuple[KeyFact, ...]
    why: tuple[str, ...]
    score: float
    outlets: tuple[Outlet, ...]
    copies: tuple[ArticleLink, ...]  # syndicated copies and near-duplicates, folded
    disputes: tuple[str, ...] = ()  # where the publishers disagree

    @property
    def copies_label(self) -> str:
        count = len(self.copies)
        return f"+{count} syndicated {'copy' if count == 1 else 'copies'}" if count else ""

    @property
    def new_facts(self) -> tuple[KeyFact, ...]:
        return tuple(f for f in self.facts if f.new)

    @property
    def known_facts(self) -> tuple[KeyFact, ...]:
        return tuple(f for f in self.facts if not f.new)

    @property
    def facts_new_first(self) -> tuple[KeyFact, ...]:
        """What a list of key facts shows: the new ones, then the known, each in rank order."""
        return self.new_facts + self.known_facts


def build_parts(story: StoryView, context: AlertContext | None = None) -> AlertParts:
    """The alert's parts; without a context nothing counts as known and there is no lead."""
    context = context or AlertContext()
    watched = list(dict.fromkeys([*watched_names(story.reasons), *context.watched]))
    significance = Significance(context.money_threshold_usd, context.count_threshold)
    candidates = candidate_facts(
        story.facts, context.known_keys, story.title, watched, significance
    )
    shown = choose_key_facts(candidates)
    ranked = rank_articles(story, context.texts, candidates, watched)
    best, lead = _best_with_lead(ranked, context.texts, _lead_targets(shown, story, watched))
    headline = clean_text((best.title if best else "") or story.title)
    why = WhyFacts(
        headline=headline,
        amounts=merge_amounts(story.facts),
        outlets=len(story.outlets),
        new_facts=count_new(candidates),
        money_threshold_usd=context.money_threshold_usd,
        since_first_alert=context.since_first_alert,
    )
    return AlertParts(
        story_id=story.id,
        headline=headline,
        url=chat_url(best.url) if best else "",
        lead=lead,
        facts=tuple(shown),
        why=tuple(why_phrases(story.reasons, why)),
        score=story.score,
        outlets=_outlets(story.articles),
        copies=tuple(_link(a) for a in story.articles if a.status == ArticleStatus.DUPLICATE),
        disputes=tuple(clean_text(c) for c in context.contradictions),
    )


def rank_articles(
    story: StoryView, texts: Mapping[int, str], facts: Sequence[KeyFact], watched: Sequence[str]
) -> list[StoryArticle]:
    """Independent articles, best first: the one telling most of the key facts, with a watched
    entity in its headline; the first report wins ties."""
    independent = [a for a in story.articles if a.status != ArticleStatus.DUPLICATE]
    candidates = independent or list(story.articles)

    def merit(article: StoryArticle) -> tuple[int, int, int]:
        text = texts.get(article.article_id, "").lower()
        told = sum(1 for f in facts if any(t.lower() in text for t in f.texts))
        named = any(w.lower() in article.title.lower() for w in watched)
        return told + 2 * named, bool(text), -candidates.index(article)

    return sorted(candidates, key=merit, reverse=True)


def _best_with_lead(
    ranked: Sequence[StoryArticle], texts: Mapping[int, str], targets: LeadTargets
) -> tuple[StoryArticle | None, str]:
    """The best article a lead can be taken from (a page may hold only a headline or a
    paywall notice), else the best article with no lead."""
    for article in ranked:
        text = texts.get(article.article_id, "")
        lead = clean_text(extract_lead(text, article.title, targets)) if text else ""
        if lead:
            return article, lead
    return (ranked[0] if ranked else None), ""


def _lead_targets(
    shown: Sequence[KeyFact], story: StoryView, watched: Sequence[str]
) -> LeadTargets:
    """The main fact is the first key fact the headline names, else the first key fact."""
    lowered = {w.lower() for w in watched}
    title = story.title.lower()
    named = [f for f in shown if any(t.lower() in title for t in f.texts)]
    main = (named or list(shown))[:1]
    return LeadTargets(
        watched=watched,
        main=main[0].texts if main else (),
        others=[t for f in shown if f not in main for t in f.texts],
        watched_sentences={
            f.sentence for f in story.facts if f.kind == "org" and f.text.lower() in lowered
        },
    )


def _outlets(articles: Sequence[StoryArticle]) -> tuple[Outlet, ...]:
    grouped: dict[str, list[ArticleLink]] = {}
    for article in articles:
        if article.status != ArticleStatus.DUPLICATE:
            grouped.setdefault(clean_text(article.outlet), []).append(_link(article))
    return tuple(Outlet(name, tuple(links)) for name, links in grouped.items())


def _link(article: StoryArticle) -> ArticleLink:
    title = clean_text(article.title) or clean_text(article.url)
    return ArticleLink(clean_text(article.outlet), title, chat_url(article.url))
