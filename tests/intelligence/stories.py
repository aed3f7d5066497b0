"""Fixture stories for story intelligence, invented for these tests: an amount revised between two
outlets, a person appointed then replaced (and later moving on), organisations with headcounts,
and stories a rule change turns into alerts or out of them."""

from __future__ import annotations

from datetime import date

from rdwatch.models import Article


def _article(slug: str, publisher: str, title: str, text: str, day: date | None = None) -> Article:
    host = publisher.lower().replace(" ", "-")
    return Article(
        url=f"https://{host}.example/{slug}",
        title=title,
        text=text,
        source="wire",
        published=day,
        publisher=publisher,
    )


# --- an amount revised between two outlets ---

PHOTONICS_FIRST = _article(
    "damo-photonics-lab",
    "Harbour Wire",
    "DAMO Academy to invest US$1 billion in photonic chip lab",
    "Alibaba's DAMO Academy will invest US$1 billion in a new photonic chip laboratory in "
    "Hangzhou, the academy said on Monday. The laboratory will employ 300 engineers when it "
    "opens in March 2027.",
    date(2026, 11, 16),
)
PHOTONICS_REVISED = _article(
    "alibaba-photonics",
    "Asia Ledger",
    "Alibaba's DAMO Academy commits US$1.5 billion to photonic chips",
    "DAMO Academy, Alibaba's research arm, will put US$1.5 billion into a photonic chip "
    "laboratory in Hangzhou. The laboratory will employ 300 engineers and open in March 2027. "
    "Chen Hao, director of the photonics laboratory at DAMO Academy, said the first chips "
    "would ship in 2028.",
    date(2026, 11, 17),
)
PHOTONICS_AGREEING = _article(
    "photonics-budget",
    "Delta Daily",
    "DAMO Academy's photonics lab to cost US$1 billion",
    "Alibaba's DAMO Academy said its photonic chip laboratory in Hangzhou will cost US$1 "
    "billion and employ 300 engineers from March 2027.",
    date(2026, 11, 17),
)

# --- a person appointed, then replaced, then moving on ---

LIN_APPOINTED = _article(
    "damo-quantum-director",
    "Harbour Wire",
    "DAMO Academy names Lin Meiqi director of new quantum laboratory",
    "Alibaba's DAMO Academy has appointed Lin Meiqi as director of its new quantum laboratory "
    "in Hangzhou. Lin Meiqi, director of the quantum laboratory at DAMO Academy, said the lab "
    "would recruit 120 researchers over three years.",
    date(2026, 3, 2),
)
LIN_REPLACED = _article(
    "damo-quantum-new-director",
    "Asia Ledger",
    "DAMO Academy replaces its quantum lab director",
    "Alibaba's DAMO Academy named Chen Hao director of its quantum laboratory on Monday. "
    "Chen Hao, director of the quantum laboratory at DAMO Academy, previously ran the "
    "academy's photonics group. He replaces Lin Meiqi, the former director of the laboratory, "
    "who is leaving the academy.",
    date(2026, 9, 7),
)
LIN_MOVES_ON = _article(
    "alibaba-cloud-chief-scientist",
    "Delta Daily",
    "Alibaba Cloud hires former DAMO quantum chief as chief scientist",
    "Lin Meiqi, chief scientist of Alibaba Cloud, will lead a new research group on quantum "
    "error correction, Alibaba Cloud said on Thursday. The group will hire 80 engineers in "
    "Singapore.",
    date(2026, 10, 15),
)

# --- two stories a change of rule weights moves across the threshold, in opposite directions ---

BUDGET_ONLY = _article(
    "damo-robotics-budget",
    "Harbour Wire",
    "DAMO Academy's robotics budget reaches US$50 million",
    "The robotics programme of Alibaba's DAMO Academy now has a yearly budget of US$50 million, "
    "according to figures seen by Harbour Wire. Most of it pays for test sites in Hangzhou.",
    date(2026, 11, 10),
)
HEADCOUNT_ONLY = _article(
    "robotics-team-grows",
    "Delta Daily",
    "Robotics team grows to 450 engineers",
    "Alibaba's DAMO Academy said its robotics team in Shenzhen has grown to 450 engineers, "
    "most of them working on warehouse automation.",
    date(2026, 11, 12),
)
# Weights favouring headcounts over budgets: the first story loses its alert, the second gains one.
HEADCOUNTS_OVER_BUDGETS = {"weights": {"significant_money": 0.0, "significant_count": 0.3}}
