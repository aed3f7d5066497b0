"""Key normalisers: one thing written differently gets one key (properties over generated names)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rdwatch.facts.keys import canonical_unit, name_id, person_name

_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8
)
# A word that ends in "s" would read as a possessive before "'": kept out of the variant slot.
_version = st.from_regex(r"\d{1,3}(\.\d)?[bBkK]?", fullmatch=True)
_separator = st.sampled_from(["", " ", "-", "  ", " - "])


@given(st.text(max_size=40))
def test_name_id_is_idempotent(name: str) -> None:
    assert name_id(name_id(name)) == name_id(name)


@given(word=_word, version=_version, first=_separator, second=_separator, variant=_word)
def test_name_id_ignores_spacing_hyphens_and_case(
    word: str, version: str, first: str, second: str, variant: str
) -> None:
    plain = name_id(f"{word}{version} {variant}")
    assert name_id(f"{word}{first}{version}{second or ' '}{variant}") == plain
    assert name_id(f"{word.upper()}{first}{version} {variant.lower()}") == plain


@given(word=_word)
def test_name_id_folds_a_possessive(word: str) -> None:
    assert name_id(f"{word} Lab's") == name_id(f"{word} Lab")


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["Qwen 3", "Qwen3", "Qwen-3", "QWEN 3"], "qwen3"),
        (["Qwen 2.5-Max", "Qwen2.5 Max", "Qwen2.5-Max"], "qwen2.5-max"),
        (["QwQ-32B", "QwQ 32B", "QwQ32B"], "qwq32b"),
        (["DeepSeek R1", "DeepSeek-R1", "Deepseek-r1"], "deepseek-r1"),
        (["Yitian 710", "Yitian710"], "yitian710"),
        (["倚天710", "倚天 710"], "倚天710"),
    ],
)
def test_name_id_examples(spellings: list[str], key: str) -> None:
    assert {name_id(s) for s in spellings} == {key}


@given(st.text(max_size=20))
def test_canonical_unit_never_raises_and_is_stable(word: str) -> None:
    unit = canonical_unit(word)
    assert unit is None or canonical_unit(unit) == unit


@pytest.mark.parametrize(
    ("spellings", "unit"),
    [
        (["nm", "nanometre", "nanometers", "Nanometer", "纳米", "奈米"], "nm"),
        (["core", "cores", "核", "核心"], "cores"),
        (["GHz", "ghz"], "ghz"),
    ],
)
def test_canonical_unit_examples(spellings: list[str], unit: str) -> None:
    assert {canonical_unit(s) for s in spellings} == {unit}


@given(st.text(alphabet="abcdefgh XYZ", min_size=1, max_size=20))
def test_person_name_drops_a_possessive_and_is_idempotent(name: str) -> None:
    once = person_name(f"{name}'s")
    assert person_name(once) == once
    assert once == person_name(name)
