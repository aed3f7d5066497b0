"""Dedup tiers: normalisation properties, the near-duplicate and same-story rules, and every case in
tests/data/dedup driven through `rdwatch.ingest.ingest()` on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
import string
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch import dedup, pipeline
from rdwatch.dedup.text import _clean_line as clean_line
from rdwatch.models import ArticleStatus, DedupTier
from rdwatch.store.articles import export_records, list_stories
from tests.store.archive_db import (
    ARCHIVE,
    Case,
    FreshDatabase,
    case_config,
    load_cases,
    postgres_archive_databases,
    reference_url,
    sqlite_archive_databases,
)

CASES = load_cases()

# --- normalisation ---

_LINE_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "éÉüÜ达摩院阿里巴巴.,;:!?'’“”-()$%",
    max_size=60,
)


@given(st.text())
def test_normalise_is_idempotent_and_never_raises(text: str) -> None:
    once = dedup.normalise_text(text)
    assert dedup.normalise_text(once) == once
    dedup.content_hash(text)
    dedup.signature_of(text)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_lines_normalise_as_the_general_unicode_path_would(text: str) -> None:
    # ASCII lines skip NFKC and the stability loop; the result must be what they would give.
    for line in text.splitlines():
        general = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", line).casefold()).strip()
        assert clean_line(line) == general


@given(st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4), max_size=12))
def test_word_shingles_are_every_run_of_k_consecutive_words(words: list[str]) -> None:
    for k in (1, 2, 3, 5):
        expected = {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}
        if len(words) <= k:
            expected = {" ".join(words)} if words else set()
        assert dedup.shingles(" ".join(words), words=k) == expected


@given(st.lists(_LINE_TEXT, max_size=6))
def test_normalise_ignores_case(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert dedup.normalise_text(text.upper()) == dedup.normalise_text(text.lower())
    assert dedup.content_hash(text.swapcase()) == dedup.content_hash(text)


@given(
    st.lists(st.text(alphabet=string.ascii_letters + "达摩院", min_size=1), min_size=1),
    st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000", " \t "]), min_size=1),
)
def test_normalise_ignores_whitespace_and_punctuation(words: list[str], gaps: list[str]) -> None:
    spaced = "".join(w + gaps[i % len(gaps)] for i, w in enumerate(words))
    punctuated = " , ".join(words) + "."
    assert dedup.normalise_text(spaced) == dedup.normalise_text(" ".join(words))
    assert dedup.normalise_text(punctuated) == dedup.normalise_text(" ".join(words))


def test_normalise_folds_typography_and_drops_furniture() -> None:
    body = "Alibaba’s DAMO Academy hires 100 researchers for its new labs."
    dressed = (
        "TECH DAILY\nHome | Business\n"
        "ＡＬＩＢＡＢＡ's   damo academy hires 100 researchers — for its new labs!\n"
        "Share this article\nTags: Alibaba, AI\n© 2017 Tech Daily. All rights reserved."
    )
    assert dedup.content_hash(dressed) == dedup.content_hash(body)
    assert dedup.content_hash(body).startswith(f"{dedup.HASH_VERSION}:")


def test_chinese_text_gets_character_shingles() -> None:
    shingles = dedup.shingles_of("阿里巴巴达摩院发布玄铁处理器", chars=3)
    assert {"达摩院", "阿里巴", "玄铁处"} <= shingles
    assert dedup.is_cjk("阿里巴巴达摩院发布 RISC-V 处理器")


def test_lsh_banding_finds_reprints_and_skips_unrelated_articles() -> None:
    def p_candidate(j: float) -> float:
        return 1 - (1 - j**dedup.ROWS_PER_BAND) ** dedup.BANDS

    assert dedup.BANDS * dedup.ROWS_PER_BAND == dedup.NUM_PERM
    assert p_candidate(0.7) > 0.99 and p_candidate(0.5) > 0.85
    assert p_candidate(0.05) < 1e-3


# --- the near-duplicate and same-story rules, without a database ---


def _reference_text(case: Case) -> str:
    assert case.of is not None
    if case.of in CASES:
        return CASES[case.of].article.text
    [path] = ARCHIVE.glob(f"{case.of}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("words", [2, 3])
def test_copies_are_told_from_rewrites_at_k(words: int) -> None:
    """The shingle-size choice (dedup.near table): reprints are copies, nothing else is."""
    for case in CASES.values():
        if case.of is None:
            continue
        a = dedup.shingles_of(case.article.text, words=words)
        b = dedup.shingles_of(_reference_text(case), words=words)
        copy = dedup.overlap(a, b).is_copy(0.8)
        assert copy == (case.expect == "duplicate"), (case.name, dedup.overlap(a, b))


_EVENT = {
    "fact:money:usd:15000000000": 13.5,
    "fact:person:jeff zhang": 13.5,
    "15bn": 8.4,
    "hub": 6.0,
    "overseas": 4.0,
}


def _story(
    published: date | None = None, *, members: int = 1, held: int = 1
) -> dedup.StoryCandidate:
    return dedup.StoryCandidate(
        story_id=1,
        title="Alibaba invests US$15B in overseas research hubs",
        indexed_articles=members,
        term_articles={term: held for term in _EVENT},
        lead_terms=frozenset(_EVENT),
        first_published=published,
        last_published=published,
    )


_STATS = dedup.TermStats(stories_total=50, stories_holding={term: 1 for term in _EVENT})
_RULES = dedup.StoryRules(threshold=0.14, date_window_days=30)


def _query(published: date | None, terms: dict[str, float] | None = None) -> dedup.StoryQuery:
    terms = dict(_EVENT) if terms is None else terms
    anchors = frozenset(t for t, w in terms.items() if w >= 7.0)
    return dedup.StoryQuery(terms, anchors, published)


def test_same_story_needs_close_dates_only_when_both_are_known() -> None:
    stored = _story(date(2017, 10, 11))
    near = dedup.match_story(_query(date(2017, 10, 12)), [stored], _STATS, _RULES).decision
    undated = dedup.match_story(_query(None), [stored], _STATS, _RULES).decision
    far = dedup.match_story(_query(date(2019, 10, 12)), [stored], _STATS, _RULES)
    assert near is not None and undated is not None and far.decision is None
    assert near.similarity is not None and undated.similarity is not None
    assert near.similarity > undated.similarity
    assert "undated, judged on content" in undated.reason
    assert far.closest is not None and "days outside the story's coverage dates" in far.closest


def test_terms_many_stories_hold_count_less_than_the_events_own() -> None:
    alone = dedup.score_story(_query(None), _story(), _STATS, _RULES)
    holding = {**_STATS.stories_holding, "fact:person:jeff zhang": 9, "overseas": 9}
    common = dedup.score_story(_query(None), _story(), dedup.TermStats(50, holding), _RULES)
    partial = {t: w for t, w in _EVENT.items() if t not in ("15bn", "hub")}
    terms = {**partial, "pingtouge": 13.0, "semiconductor": 9.0}
    other = dedup.score_story(_query(None, terms), _story(), dedup.TermStats(50, holding), _RULES)
    assert other.score < common.score <= alone.score == 1.0


def test_background_terms_count_for_nothing() -> None:
    """A term most stories hold (every story names Alibaba) is in neither sum."""
    terms = {**_EVENT, "alibaba": 20.0}
    holding = {**_STATS.stories_holding, "alibaba": 48}
    scored = dedup.score_story(_query(None, terms), _story(), dedup.TermStats(50, holding), _RULES)
    assert scored.score == 1.0 and "alibaba" not in scored.shared


def test_a_big_story_attracts_with_what_most_of_its_articles_say() -> None:
    """A term one article of a 20-article story mentions counts for less than one all share."""
    everyone = dedup.score_story(_query(None), _story(members=20, held=20), _STATS, _RULES)
    one = dedup.score_story(_query(None), _story(members=20, held=1), _STATS, _RULES)
    assert one.score < everyone.score


def test_a_story_that_names_the_article_only_in_passing_is_not_joined() -> None:
    """The article's headline and lead anchors must be in some member's headline or lead."""
    passing = dataclasses.replace(_story(), lead_terms=frozenset({"overseas"}))
    scored = dedup.score_story(_query(None), passing, _STATS, _RULES)
    assert scored.rejected is not None and "anchors" in scored.rejected


def test_an_article_fitting_two_stories_well_bridges_them() -> None:
    other = dataclasses.replace(_story(), story_id=2)
    match = dedup.match_story(_query(None), [_story(), other], _STATS, _RULES)
    assert match.decision is not None and match.decision.story_id == 1
    assert match.bridged == (2,)
    weak = dataclasses.replace(other, term_articles={"overseas": 1})
    assert dedup.match_story(_query(None), [_story(), weak], _STATS, _RULES).bridged == ()


def test_exact_tier_wins_and_is_recorded() -> None:
    match = dedup.Candidate(7, "archive://a", 3, ())
    decision = dedup.decide(
        text_hash="v2:x", signature=(), exact_match=match, candidates=[], near_threshold=0.8
    )
    assert (decision.status, decision.tier, decision.story_id) == (
        ArticleStatus.DUPLICATE,
        DedupTier.EXACT,
        3,
    )
    assert decision.similarity == 1.0 and "archive://a" in decision.reason


# --- through the pipeline, on SQLite and PostgreSQL ---


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def archive_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> FreshDatabase:
    directory = tmp_path_factory.mktemp(f"template-{request.param}")
    if request.param == "sqlite":
        return sqlite_archive_databases(directory)
    return postgres_archive_databases(request.getfixturevalue("postgres"), directory)


def _story_of(opened: pipeline.Pipeline, url: str) -> int:
    with opened.db.session() as session:
        return next(r["story_id"] for r in export_records(session) if r["url"] == url)


def test_archive_is_four_stories_with_000_and_001_together(
    archive_databases: FreshDatabase, tmp_path: Path
) -> None:
    opened = pipeline.open_pipeline(case_config(tmp_path, archive_databases(tmp_path)))
    try:
        with opened.db.session() as session:
            stories = list_stories(session)
            records = list(export_records(session))
    finally:
        opened.close()
    groups = sorted(sorted(a.url[10:13] for a in s.articles) for s in stories)
    assert groups == [["000", "001"], ["002"], ["003"], ["004"]]
    assert all(r["status"] == "archive" for r in records)
    joined = next(r for r in records if r["url"].startswith("archive://001"))
    assert joined["tier"] == "same_story" and "archive://000" in joined["dedup_reason"]


def _param(case: Case) -> object:
    if case.ambiguous:
        reason = "an undated other event that restates the archived event in its lead joins it"
        return pytest.param(case, id=case.name, marks=pytest.mark.xfail(reason=reason, strict=True))
    return pytest.param(case, id=case.name)


_CASE_PARAMS = [
    _param(c)
    for c in [
        *CASES.values(),
        *(c.undated() for c in CASES.values() if c.expect != "duplicate" and c.article.published),
    ]
]


@pytest.mark.parametrize("case", _CASE_PARAMS)
def test_case(case: Case, archive_databases: FreshDatabase, tmp_path: Path) -> None:
    opened = pipeline.open_pipeline(case_config(tmp_path, archive_databases(tmp_path)))
    try:
        with opened.db.session() as session:
            before = {s.id for s in list_stories(session)}
        for name in case.after:
            opened.ingest_article(CASES[name].article)
        result = opened.ingest_article(case.article)
        reason = result.decision.reason
        assert result.decision.status.value == case.expect, reason
        assert result.article_id is not None and result.story_id is not None
        if case.of is not None:
            expected = _story_of(opened, reference_url(case.of, CASES))
            assert result.story_id == expected, reason
            assert result.decision.matched_url is not None
        else:
            assert result.story_id not in before, reason
    finally:
        opened.close()


def test_all_cases_in_one_database_keep_their_decisions(
    archive_databases: FreshDatabase, tmp_path: Path
) -> None:
    """The same cases ingested one after another: none is swallowed by an earlier case."""
    opened = pipeline.open_pipeline(case_config(tmp_path, archive_databases(tmp_path)))
    try:
        ordered = sorted(
            (c for c in CASES.values() if not c.name.startswith("zh_4") and not c.ambiguous),
            key=lambda c: (bool(c.after), c.name),
        )
        results = {c.name: opened.ingest_article(c.article) for c in ordered}
        for case in ordered:
            decision = results[case.name].decision
            assert decision.status.value == case.expect, (case.name, decision.reason)
            if case.of is not None:
                expected = _story_of(opened, reference_url(case.of, CASES))
                assert results[case.name].story_id == expected, (case.name, decision.reason)
        again = opened.ingest_article(CASES["000_b_writeup"].article)
        assert again.decision.tier == DedupTier.SEEN and again.article_id is None
    finally:
        opened.close()


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_decide_never_raises_on_any_text(text: str) -> None:
    prints = dedup.fingerprint(text)
    candidate = dedup.Candidate(1, "u", 1, dedup.signature_of(text + " more words here"))
    dedup.decide(
        text_hash=prints.text_hash,
        signature=prints.signature,
        exact_match=None,
        candidates=[candidate],
        near_threshold=0.8,
        shingle_set=prints.shingles,
        stored_shingles={1: set()},
    )
