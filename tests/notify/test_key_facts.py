"""Key facts: at most five, ranked, merged, phrased for a reader, marked new or known."""

from __future__ import annotations

from rdwatch.models import Fact
from rdwatch.notify.key_facts import candidate_facts, choose_key_facts, count_new, person_label
from tests.notify.stories import ARCHIVE_KEYS, FACTS, HEADLINE, PERSON_SENTENCE

WATCHED = ["DAMO Academy", "Alibaba Group"]


def _labels(known: frozenset[str] = ARCHIVE_KEYS, facts: tuple[Fact, ...] = FACTS) -> list[str]:
    return [f.label for f in choose_key_facts(candidate_facts(facts, known, HEADLINE, WATCHED))]


def test_money_headcount_product_person_first_one_amount_once() -> None:
    assert _labels() == [
        "RMB 3 bn (≈ US$420 m)",
        "400 researchers",
        "Guangjian-1",  # "Guangjian" alone is the family of the model shown
        "Lin Yaqi, director of photonic systems",
        "Hangzhou",  # a place, shown because the headline names it
    ]


def test_new_facts_are_chosen_before_known_ones_and_marked() -> None:
    known = ARCHIVE_KEYS | {"money:usd:4.2e8", "count:researchers:400", "product:guangjian-1"}
    chosen = choose_key_facts(candidate_facts(FACTS, known, HEADLINE, WATCHED))
    assert [(f.label, f.new) for f in chosen] == [
        ("RMB 3 bn (≈ US$420 m)", False),  # one of its two statements was known: the amount is
        ("400 researchers", False),
        ("Guangjian-1", False),
        ("Lin Yaqi, director of photonic systems", True),
        ("Hangzhou", True),
    ]  # both new facts, then the best-ranked known ones; shown in rank order


def test_places_areas_and_dates_only_when_the_headline_names_them() -> None:
    labels = _labels(facts=(*FACTS, Fact("place", "Singapore", "place:singapore")))
    assert "Hangzhou" in labels and "Singapore" not in labels
    everything = candidate_facts(FACTS, frozenset(), HEADLINE, WATCHED)
    shown = {f.label for f in everything}
    assert "by 2028" not in shown and "photonics" not in shown  # not in the headline
    assert "DAMO Academy" not in shown and "Alibaba Group" not in shown  # said in "why"
    assert not any(f.kind in ("quote", "media") for f in everything)


def test_new_facts_are_counted_on_what_the_alert_shows() -> None:
    candidates = candidate_facts(FACTS, ARCHIVE_KEYS, HEADLINE, WATCHED)
    # RMB 3 bn (two statements, one amount), 400 researchers, Guangjian-1, Lin Yaqi
    assert count_new(candidates) == 4


def test_people_read_as_the_article_introduced_them() -> None:
    chen = Fact(
        "person", "Chen Wei", "person:chen wei", role="Academy's Head",
        sentence="So said Chen Wei, the academy's head of computing technology, who runs it.",
    )  # fmt: skip
    assert person_label(chen) == "Chen Wei, head of computing technology"
    zhou = Fact(
        "person", "Zhou Jingren", "person:zhou jingren", role="CTO", org="Alibaba Cloud",
        sentence="said Zhou Jingren, chief technology officer of Alibaba Cloud, on Friday.",
    )  # fmt: skip
    assert person_label(zhou) == "Zhou Jingren, chief technology officer of Alibaba Cloud"
    titled = Fact("person", "Jeff Zhang", "p:jz", role="CTO", org="Alibaba Group",
                  sentence="Alibaba CTO Jeff Zhang said so.")  # fmt: skip
    assert person_label(titled) == "Jeff Zhang, CTO of Alibaba Group"
    assert person_label(Fact("person", "Lin Yaqi", "p:ly", PERSON_SENTENCE)) == "Lin Yaqi"
    assert person_label(Fact("person", "Ma Lin", "p:ml", role="Chairman and CEO")) == (
        "Ma Lin, chairman and CEO"
    )


def test_at_most_five() -> None:
    many = tuple(
        Fact("count", f"{n} patents", f"count:patents:{n}", value=float(n)) for n in range(50, 60)
    )
    assert len(_labels(facts=FACTS + many)) == 5
