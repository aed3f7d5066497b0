"""Amounts as an analyst reads them: one amount once, in its currency, the USD figure beside it.

Coverage of one event states one budget in several ways ("2 billion yuan" here, "US$280 million"
there): facts keeps them apart because their keys differ, but an alert shows them as one
amount, `RMB 2 bn (≈ US$280 m)`. Two money facts are the same amount when their USD values lie
within `SAME_AMOUNT_TOLERANCE` of each other: the rate table's yearly averages put a converted
figure within a few per cent of the one an outlet printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdwatch.models import Fact

SAME_AMOUNT_TOLERANCE = 0.04
CURRENCY_LABELS = {"USD": "US$", "CNY": "RMB ", "HKD": "HK$", "EUR": "€", "SGD": "S$", "GBP": "£"}
_SCALES = ((1e12, " tn"), (1e9, " bn"), (1e6, " m"))


@dataclass(frozen=True)
class Amount:
    """One amount however many ways it was stated: `stated` is how the story first put it in
    its own currency, `usd` the dollar figure (an outlet's own when one printed it)."""

    stated: Fact
    usd: float | None
    facts: tuple[Fact, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)

    @property
    def short(self) -> str:
        """`RMB 2 bn`: the amount as stated, with its hedge ("more than …")."""
        text = format_money(self.stated.value, self.stated.currency) or self.stated.text
        hedge = self.stated.qualifier
        return f"{hedge} {text}" if hedge and hedge != "about" else text

    @property
    def label(self) -> str:
        """`RMB 2 bn (≈ US$280 m)`; a dollar amount alone when it was stated in dollars."""
        if self.stated.currency == "USD" or self.usd is None or self.usd < 0.01:
            return self.short
        return f"{self.short} (≈ {format_money(self.usd, 'USD', approximate=True)})"


def merge_amounts(facts: Sequence[Fact]) -> list[Amount]:
    """The money facts as distinct amounts, in order of first mention."""
    groups: list[list[Fact]] = []
    for fact in facts:
        if fact.kind != "money":
            continue
        group = next((g for g in groups if _same_amount(g[0], fact)), None)
        if group is None:
            groups.append([fact])
        else:
            group.append(fact)
    return [_amount(group) for group in groups]


def _same_amount(a: Fact, b: Fact) -> bool:
    if a.usd is None or b.usd is None:
        return a.key == b.key
    larger = max(a.usd, b.usd)
    return larger == 0 or abs(a.usd - b.usd) / larger <= SAME_AMOUNT_TOLERANCE


def _amount(group: list[Fact]) -> Amount:
    local = [f for f in group if f.currency not in (None, "USD")]
    in_usd = [f for f in group if f.currency == "USD"]
    stated = local[0] if local else group[0]
    usd = in_usd[0].value if in_usd else stated.usd
    return Amount(stated=stated, usd=usd, facts=tuple(group))


def format_money(value: float | None, currency: str | None, *, approximate: bool = False) -> str:
    """`US$280 m`, `RMB 2 bn`, `HK$161.6`; empty when the value or currency is unknown."""
    if value is None or not currency:
        return ""
    label = CURRENCY_LABELS.get(currency.upper(), f"{currency.upper()} ")
    return f"{label}{format_number(value, approximate=approximate)}"


def format_number(value: float, *, approximate: bool = False) -> str:
    """Three significant figures with a scale word: 2 bn, 1.76 bn, 280 m, 140,000; below a
    thousand as stated (161.6), or to three figures when `approximate` (a converted figure)."""
    rounded = float(f"{value:.3g}")  # 999.6 m reads 1 bn, not 1000 m
    for scale, word in _SCALES:
        if abs(rounded) >= scale:
            return f"{_significant(rounded / scale)}{word}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if approximate else f"{value:.6g}"


def _significant(value: float) -> str:
    digits = max(0, 2 - len(str(int(abs(value)))) + 1)
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
