"""Fixture stories for rendering tests: stored-story views with hand-written facts, reasons and
article texts (invented events, written for these tests), and the context an alert gets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from rdwatch.models import ArticleStatus, Fact, StoryArticle, StoryView
from rdwatch.notify.summary import AlertContext

LEAD_SENTENCE = (
    "Alibaba's DAMO Academy on Tuesday opened a photonic computing laboratory in Hangzhou and "
    "said it would invest 3 billion yuan in the facility over five years."
)
PERSON_SENTENCE = (
    '"Light moves data at a fraction of the energy cost," said Lin Yaqi, the academy\'s '
    "director of photonic systems, who will lead the lab."
)
HARBOUR_TEXT = "\n".join(
    [
        "By Tomasz Brandt · 3 March 2026",
        LEAD_SENTENCE,
        "The lab will recruit 400 researchers, about half of them from outside China, and will "
        "build a prototype optical accelerator called Guangjian-1 by 2028.",
        PERSON_SENTENCE,
        "The academy will work with Zhejiang University on chip packaging and testing.",
    ]
)
DELTA_TEXT = (
    "Alibaba Group is putting about US$420 million into light-based processors. Its research "
    "arm said the new lab in Hangzhou would hire 400 researchers.\nThe first prototype, "
    "Guangjian-1, is due in 2028."
)
HEADLINE = "DAMO Academy launches photonic chip lab in Hangzhou with 3 billion yuan budget"
REASONS = (
    "watched_entity_in_title (+0.25): Alibaba Group, DAMO Academy",
    "announcement_verb (+0.20): “launches”",
    "significant_money (+0.20): US$420 million ≈ US$420,000,000",
    "significant_count (+0.10): 400 researchers",
    "several_outlets (+0.10): covered by 2 outlets",
    "new_facts (+0.20): 5 fact(s) not in the archive: 3 billion yuan; 400 researchers; Guangjian-1",
)
RULE_IDS = (
    "watched_entity_in_title",
    "watched_entity_in_lead",
    "announcement_verb",
    "significant_money",
    "significant_count",
    "several_outlets",
    "source_weight",
    "new_facts",
    "market_news",
    "no_watched_entity",
)
ARCHIVE_KEYS = frozenset(
    {"org:alibaba-group", "org:damo-academy", "org:zhejiang-university", "area:photonics"}
)
FIRST_SEEN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def fact(kind: str, text: str, key: str, sentence: str = LEAD_SENTENCE, **fields: object) -> Fact:
    return Fact(kind=kind, text=text, key=key, sentence=sentence, **fields)


FACTS = (
    fact("org", "DAMO Academy", "org:damo-academy", HEADLINE),
    fact("place", "Hangzhou", "place:hangzhou"),
    fact("money", "3 billion yuan", "money:cny:3e9", value=3e9, currency="CNY", usd=4.17e8),
    fact("org", "Alibaba Group", "org:alibaba-group"),
    fact("count", "400 researchers", "count:researchers:400", value=400.0, unit="researchers"),
    fact("date", "by 2028", "date:2028"),
    fact("product", "Guangjian", "product:guangjian"),
    fact("product", "Guangjian-1", "product:guangjian-1"),
    fact("person", "Lin Yaqi", "person:lin yaqi", PERSON_SENTENCE, role="Academy's Director"),
    fact("quote", "Light moves data at a fraction of the energy cost,", "quote:lin yaqi:light"),
    fact("org", "Zhejiang University", "org:zhejiang-university"),
    fact("area", "photonics", "area:photonics"),
    fact(
        "money",
        "US$420 million",
        "money:usd:4.2e8",
        "Alibaba Group is putting about US$420 million into light-based processors.",
        value=4.2e8,
        currency="USD",
        usd=4.2e8,
        qualifier="about",
    ),
)


def article(
    article_id: int,
    title: str,
    publisher: str,
    status: ArticleStatus = ArticleStatus.SAME_STORY,
    url: str = "",
) -> StoryArticle:
    return StoryArticle(
        article_id=article_id,
        url=url or f"https://news.example/{publisher.lower().replace(' ', '-')}/{article_id}",
        title=title,
        source=publisher.lower().replace(" ", "-"),
        status=status,
        published=date(2026, 3, 3),
        reason="",
        publisher=publisher,
    )


ARTICLES = (
    article(1, HEADLINE, "Harbour Tech Journal", ArticleStatus.NEW),
    article(2, "Alibaba bets on light-based chips with new research lab", "Delta Business Daily"),
    article(3, f"Coastal Wire: {HEADLINE}", "Coastal Wire", ArticleStatus.DUPLICATE),
)


def photonics_story(**changes: object) -> StoryView:
    fields: dict[str, object] = {
        "id": 41,
        "title": HEADLINE,
        "first_seen": FIRST_SEEN,
        "is_archive": False,
        "notable": True,
        "score": 1.05,
        "reasons": REASONS,
        "articles": ARTICLES,
        "facts": FACTS,
        **changes,
    }
    return StoryView(**fields)


def photonics_context(**changes: object) -> AlertContext:
    fields: dict[str, object] = {
        "known_keys": ARCHIVE_KEYS,
        "texts": {1: HARBOUR_TEXT, 2: DELTA_TEXT},
        "watched": ("DAMO Academy", "Alibaba Group"),
        **changes,
    }
    return AlertContext(**fields)


def crowded_story(outlets: int = 12) -> StoryView:
    """The photonics story covered by many outlets, plus two syndicated copies."""
    independent = [
        article(10 + i, f"Outlet {i} on the photonics lab", f"Outlet {i}") for i in range(outlets)
    ]
    copies = [
        article(90 + i, f"Copy {i}: {HEADLINE}", f"Wire {i}", ArticleStatus.DUPLICATE)
        for i in range(2)
    ]
    return photonics_story(articles=(ARTICLES[0], *independent, *copies))


HOSTILE_TITLE = (
    "@everyone DAMO Academy <script>alert(1)</script> [click here](http://evil.example/x) "
    "<img src=x onerror=alert(2)> *launches* lab @here <@&1234> <!channel> \x1b[31m"
)


def hostile_story() -> StoryView:
    """A story whose headline tries every injection a title can carry."""
    hostile = article(1, HOSTILE_TITLE, "@channel News", ArticleStatus.NEW)
    javascript = article(
        2, "Second @here report", "Delta Business Daily", url="javascript:alert(3)"
    )
    return photonics_story(title=HOSTILE_TITLE, articles=(hostile, javascript))
