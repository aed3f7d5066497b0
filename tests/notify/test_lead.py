"""What happened: two sentences from the best article, chosen for what they tell."""

from __future__ import annotations

from rdwatch.notify.lead import LeadTargets, extract_lead
from tests.notify.stories import HARBOUR_TEXT, HEADLINE, LEAD_SENTENCE

TARGETS = LeadTargets(
    watched=["DAMO Academy", "Alibaba Group"],
    main=["3 billion yuan", "US$420 million"],
    others=["400 researchers", "Guangjian-1", "Lin Yaqi"],
)


def test_the_main_fact_and_the_next_most_telling_sentence_in_article_order() -> None:
    lead = extract_lead(HARBOUR_TEXT, HEADLINE, TARGETS)
    assert lead.startswith(LEAD_SENTENCE + " The lab will recruit 400 researchers"), lead
    assert "Tomasz Brandt" not in lead  # the byline tells nothing


def test_the_headline_is_not_repeated_and_a_late_main_fact_still_leads() -> None:
    text = "\n".join(
        [
            HEADLINE,
            "Markets were calm on Tuesday as investors waited for new figures from the sector.",
            "Analysts expect a busy quarter for chip designers across the region this year.",
            "Separately, DAMO Academy said its new lab would spend 3 billion yuan on research.",
        ]
    )
    lead = extract_lead(text, HEADLINE, TARGETS)
    assert HEADLINE not in lead
    assert lead.endswith("would spend 3 billion yuan on research."), lead


def test_without_targets_the_opening_sentences() -> None:
    lead = extract_lead(HARBOUR_TEXT, HEADLINE, LeadTargets())
    assert lead.startswith(LEAD_SENTENCE) and "Tomasz" not in lead


def test_chinese_sentences_join_without_a_space() -> None:
    text = "阿里巴巴达摩院今天在杭州成立光子计算实验室，计划投入30亿元。实验室将招聘400名研究人员。"
    lead = extract_lead(
        text, "达摩院成立光子实验室", LeadTargets(main=["30亿元"], others=["400名"])
    )
    assert lead == text


def test_long_sentences_are_cut_at_a_word() -> None:
    long = "DAMO Academy said " + "very " * 100 + "much."
    lead = extract_lead(long, HEADLINE, TARGETS)
    assert lead.endswith("…") and len(lead) <= 330


def test_a_sentence_retelling_the_headline_beats_a_side_detail() -> None:
    text = "\n".join(
        [
            "Alibaba Group made the announcement in a filing on Monday evening.",
            "The company also opened a new office tower in Hangzhou last year.",
            "A cloud veteran will replace the retiring chief executive in September, it said.",
        ]
    )
    headline = "Alibaba names cloud veteran to replace retiring chief executive"
    targets = LeadTargets(watched=["Alibaba Group"], others=["Hangzhou"])
    lead = extract_lead(text, headline, targets)
    assert lead.startswith("Alibaba Group made") and lead.endswith("in September, it said."), lead
