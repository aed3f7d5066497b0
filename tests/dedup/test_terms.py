"""Terms: what an article is about, the same-story tier's evidence."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch.dedup.terms import (
    FACT_PREFIX,
    MAX_TERM_CHARS,
    MAX_TERMS,
    article_terms,
    background_terms,
)
from rdwatch.models import Fact


def test_names_with_versions_and_numbers_with_units_are_one_term_whatever_the_spelling() -> None:
    a = article_terms("Qwen 3 launch", "The 5-nanometre chip has 128 cores.")
    b = article_terms("Qwen3 launch", "The 5 nm chip has 128-core design.")
    for term in ("qwen3", "5nm", "128core"):
        assert term in a.weights and term in b.weights


def test_words_are_stemmed_and_hyphens_dropped() -> None:
    a = article_terms("Alibaba shelves cloud spin-off", "")
    b = article_terms("Alibaba shelved its cloud spinoff", "")
    assert {"shelv", "spinoff"} <= set(a.weights) & set(b.weights)


def test_traditional_chinese_meets_simplified() -> None:
    a = article_terms("倚天710伺服器晶片", "阿里巴巴發佈伺服器晶片")
    b = article_terms("倚天710服务器芯片", "阿里巴巴发布服务器芯片")
    assert set(a.weights) & set(b.weights) >= {"芯片", "服务器"}


def test_the_headline_weighs_more_than_the_body() -> None:
    body = "Filler words about nothing much. " * 40
    in_title = article_terms("Zorvex unveiled", body).weights["zorvex"]
    in_body = article_terms("Unrelated headline", body + " Zorvex unveiled.").weights["zorvex"]
    assert in_title > in_body


def test_facts_are_terms_weighted_by_where_they_were_stated() -> None:
    fact = Fact("product", "Yitian 710", "product:yitian-710", sentence="Yitian 710 launched")
    led = article_terms("Yitian 710 launched", "", [fact])
    buried = article_terms("Other news", "x " * 500 + "Yitian 710 launched", [fact])
    term = FACT_PREFIX + "product:yitian-710"
    assert led.weights[term] > buried.weights[term]
    assert term in led.anchors and term not in buried.anchors


def test_the_watched_entities_rare_names_are_background() -> None:
    background = background_terms(["Alibaba Group", "DAMO Academy", "达摩院"], ["org:damo-academy"])
    assert {"alibaba", "damo", "fact:org:damo-academy"} <= background
    assert "academi" not in background and "group" not in background  # common words stay
    terms = article_terms("DAMO Academy opens lab", "Alibaba's DAMO Academy", background=background)
    assert "damo" not in terms.weights and "alibaba" not in terms.weights


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=2000))
def test_terms_are_bounded_positive_and_deterministic(title: str, text: str) -> None:
    terms = article_terms(title, text)
    assert len(terms.weights) <= MAX_TERMS
    assert all(w > 0 and len(t) <= MAX_TERM_CHARS for t, w in terms.weights.items())
    assert terms.anchors <= terms.lead <= set(terms.weights)
    assert article_terms(title, text) == terms
