"""Dated currency → USD rates, and the currency names articles use.

Each rate applies from its `from` date until the next entry of the same currency; an amount is
converted at the rate in force on the article's publication date, or at the latest rate when the
date is unknown. Rates are yearly averages (see `config/rates.yaml`): good enough to compare
announcements, not for accounting.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from rdwatch.errors import ConfigError

# How articles name currencies → ISO code. "dollars" alone means USD (the usual reading in the
# English-language press about Chinese firms); other dollars carry a prefix (HK$, S$).
CURRENCY_NAMES: dict[str, str] = {
    "us$": "USD", "u.s.$": "USD", "usd": "USD", "$": "USD", "dollar": "USD", "dollars": "USD",
    "us dollars": "USD", "u.s. dollars": "USD", "美元": "USD",
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY", "¥": "CNY", "￥": "CNY",
    "元": "CNY", "人民币": "CNY", "元人民币": "CNY",
    "hk$": "HKD", "hkd": "HKD", "hong kong dollars": "HKD", "港元": "HKD", "港币": "HKD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR",
    "s$": "SGD", "sgd": "SGD", "singapore dollars": "SGD",
}  # fmt: skip


def currency_code(name: str) -> str | None:
    """ISO code for a currency as written ("US$", "yuan", "人民币"), or None if unknown."""
    return CURRENCY_NAMES.get(" ".join(name.lower().split()))


@dataclass(frozen=True)
class RateTable:
    """USD value of one unit of each currency, by the date from which it applies."""

    rates: Mapping[str, tuple[tuple[date, float], ...]]

    def rate_for(self, currency: str, on: date | None = None) -> float:
        """Rate in force on `on` (the earliest known rate before the table starts; the latest if
        `on` is None). Raises KeyError for a currency the table does not know."""
        entries = self.rates[currency.upper()]
        if on is None:
            return entries[-1][1]
        index = bisect.bisect_right(entries, on, key=_start) - 1
        return entries[max(index, 0)][1]

    def to_usd(self, amount: float, currency: str, on: date | None = None) -> float | None:
        """`amount` in USD, or None when the currency has no rate."""
        try:
            return amount * self.rate_for(currency, on)
        except KeyError:
            return None


def _start(entry: tuple[date, float]) -> date:
    return entry[0]


def load_rates(path: Path) -> RateTable:
    """Read `rates:` → {CODE: [{from: date, usd: float}, ...]}; `ConfigError` names file and key."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rates"), dict):
        raise ConfigError(f"{path}: rates: expected a mapping of currency code to dated rates")
    table = {
        str(code).upper(): _parse_entries(entries, f"{path}: rates.{code}")
        for code, entries in data["rates"].items()
    }
    if "USD" not in table:
        raise ConfigError(f"{path}: rates.USD: missing (USD must map to 1.0)")
    return RateTable(table)


def _parse_entries(entries: Any, where: str) -> tuple[tuple[date, float], ...]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: expected a non-empty list of {{from: DATE, usd: RATE}}")
    parsed: list[tuple[date, float]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}[{index}]: expected {{from: DATE, usd: RATE}}")
        start, rate = entry.get("from"), entry.get("usd")
        if not isinstance(start, date):
            raise ConfigError(f"{where}[{index}].from: expected a date like 2020-01-01")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise ConfigError(f"{where}[{index}].usd: expected a positive number")
        parsed.append((start, float(rate)))
    return tuple(sorted(parsed))
