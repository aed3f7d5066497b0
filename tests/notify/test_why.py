"""Why an alert fired, in words, with no rule identifier."""

from __future__ import annotations

from rdwatch.notify.amounts import merge_amounts
from rdwatch.notify.why import WhyFacts, parse_reason, watched_names, why_phrases
from tests.notify.stories import FACTS, HEADLINE, REASONS, RULE_IDS


def _facts(**changes: object) -> WhyFacts:
    fields: dict[str, object] = {
        "headline": HEADLINE,
        "amounts": merge_amounts(FACTS),
        "outlets": 2,
        "new_facts": 4,
        "money_threshold_usd": 10_000_000,
        **changes,
    }
    return WhyFacts(**fields)


def test_every_reason_in_words() -> None:
    assert why_phrases(REASONS, _facts()) == [
        "DAMO Academy in the headline",  # Alibaba Group is not written in the headline
        "announces a launch",
        "RMB 3 bn (above US$10 m)",  # the amount as the alert shows it, not its dollar twin
        "400 researchers",
        "reported by 2 independent outlets",
        "4 facts not in the archive",
    ]


def test_other_rules_in_words() -> None:
    reasons = [
        "watched_entity_in_lead (+0.15): Alibaba Group",
        "announcement_verb (+0.20): “appointed”",
        "announcement_verb (+0.20): “成立”",
        "announcement_verb (+0.20): “bolsters”",  # a verb from the config
        "source_weight (+0.05): source weight 1.5",
        "source_weight (-0.05): source weight 0.5",
        "market_news (-0.50): market news: “shares” in the headline",
        "new_facts (+0.20): 1 fact(s) not in the archive: Qwen3",
        "some_future_rule (+0.10): a detail that explains itself",
    ]
    assert why_phrases(reasons, _facts(new_facts=1)) == [
        "Alibaba Group in the opening lines",
        "announces an appointment",
        "announces a new entity",
        "“bolsters” in the headline or lead",
        "from a trusted source",
        "from a low-weight source",
        "reads as market news: “shares” in the headline",
        "1 fact not in the archive",
        "a detail that explains itself",
    ]


def test_a_follow_up_counts_what_is_new_since_the_last_alert() -> None:
    phrases = why_phrases(REASONS, _facts(new_facts=2, since_first_alert=True))
    assert phrases[-1] == "2 facts new since the last alert"
    assert "not in the archive" not in " ".join(why_phrases(REASONS, _facts(new_facts=0)))


def test_no_rule_identifier_and_no_weight() -> None:
    every = [f"{rule} (+0.10): detail" for rule in RULE_IDS] + list(REASONS)
    text = " · ".join(why_phrases(every, _facts()))
    for rule in RULE_IDS:
        assert rule not in text, text
    assert "(+0." not in text and "(-0." not in text


def test_reasons_parse_and_name_the_watched_entities() -> None:
    assert parse_reason(REASONS[0]).rule == "watched_entity_in_title"
    assert parse_reason("free text").detail == "free text"
    assert watched_names(REASONS) == ["Alibaba Group", "DAMO Academy"]
