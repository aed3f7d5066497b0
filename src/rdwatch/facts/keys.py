"""Normalised identities for facts found by pattern rather than through the gazetteer.

One thing written differently must get one key, across outlets and languages:

- names (`name_id`): case, spacing, hyphens and a trailing possessive do not count, and a version
  number belongs to the word it follows: "Qwen 3", "Qwen3", "Qwen-3" → `qwen3`; "Qwen2.5-Max",
  "Qwen 2.5 Max" → `qwen2.5-max`; "DeepSeek R1", "DeepSeek-R1" → `deepseek-r1`;
- units (`canonical_unit`): "5nm", "5-nanometre", "5 纳米" → `nm`; "128-core", "128 cores",
  "128核" → `cores`;
- people (`person_name`): "Jack Ma's" is "Jack Ma".

All functions are pure, total on any string, and idempotent.
"""

from __future__ import annotations

import re
import unicodedata

# Runs of letters, or of digits (with decimal points) and the letters glued after them ("32b",
# "4o", "910c"); everything else separates.
_RUN = re.compile(r"\d+(?:\.\d+)*[^\W\d_]*|[^\W\d_]+")
_POSSESSIVE = re.compile(r"(?:'s|’s|s'|’)$")

# Canonical units of specs and counts, from every spelling a report uses (lower case).
UNITS: dict[str, str] = {
    "nm": "nm", "nanometer": "nm", "nanometers": "nm", "nanometre": "nm", "nanometres": "nm",
    "纳米": "nm", "奈米": "nm", "納米": "nm",
    "ghz": "ghz", "mhz": "mhz", "gb": "gb", "tb": "tb", "pb": "pb", "eb": "eb",
    "tops": "tops", "tflops": "tflops", "pflops": "pflops", "w": "w", "watts": "w",
    "core": "cores", "cores": "cores", "核": "cores", "核心": "cores",
    "lane": "lanes", "lanes": "lanes",
    "layer": "layers", "layers": "layers", "层": "layers",
    "transistor": "transistors", "transistors": "transistors", "晶体管": "transistors",
    "电晶体": "transistors",
    "parameter": "parameters", "parameters": "parameters", "params": "parameters",
    "参数": "parameters",
    "token": "tokens", "tokens": "tokens",
}  # fmt: skip


# Counted units that describe hardware: their counts are specs ("128 cores" is `spec:cores:128`).
SPEC_COUNT_UNITS = frozenset(["cores", "lanes", "layers", "nm"])


def name_id(name: str) -> str:
    """Key id of a name: lower-case runs of letters and digits joined by "-", except that a
    number directly follows the word before it ("Qwen 3" → "qwen3")."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    out = ""
    for run in _RUN.findall(_POSSESSIVE.sub("", text.strip())):
        if out and not (run[0].isdigit() and not out[-1].isdigit()):
            out += "-"
        out += run
    return out


def canonical_unit(word: str) -> str | None:
    """The unit a spelling stands for ("nanometres" → "nm", "核心" → "cores"), or None."""
    folded = unicodedata.normalize("NFKC", word).lower().replace("-", " ")
    return UNITS.get(" ".join(folded.split()))


def person_name(name: str) -> str:
    """A person's name as a key part: spacing collapsed, a trailing possessive dropped."""
    return " ".join(_POSSESSIVE.sub("", name.strip()).split())
