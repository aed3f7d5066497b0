"""Products and organisations found by their shape, on short texts written for these tests."""

from __future__ import annotations

import pytest

from rdwatch.facts import Gazetteer, RateTable, extract_facts
from rdwatch.models import Fact


def _facts(text: str, gazetteer: Gazetteer, rates: RateTable) -> list[Fact]:
    return list(extract_facts(text, gazetteer=gazetteer, rates=rates))


def _keys(text: str, kind: str, gazetteer: Gazetteer, rates: RateTable) -> list[str]:
    return [f.key for f in _facts(text, gazetteer, rates) if f.kind == kind]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("The lab released Zorvex 4.1 on Monday.", "product:zorvex4.1"),
        ("Its new Zorvex3 model tops the chart.", "product:zorvex3"),
        ("Engineers trained Kelmo-72B on public data.", "product:kelmo72b"),
        ("The Kelmo 2.5-Max edition costs more.", "product:kelmo2.5-max"),
        ("Startup Brightfin shipped the Tarnak-R1 reasoning system.", "product:tarnak-r1"),
        ("The company also offers Kelmo-Long for long documents.", "product:kelmo-long"),
        ("Customers can try the Vostrel model for free.", "product:vostrel"),
        (
            "It added the Pelloran Visual Understanding Model last week.",
            "product:pelloran-visual-understanding-model",
        ),
        ("The cluster runs on Q900 accelerators.", "product:q900"),
        ("公司发布了新一代Kelmo3大模型。", "product:kelmo3"),
    ],
)
def test_new_product_found_from_the_text(
    text: str, key: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert key in _keys(text, "product", gazetteer, rates), _facts(text, gazetteer, rates)


@pytest.mark.parametrize(
    "text",
    [
        "Sales rose in Q3 and again in H1.",
        "The Top 10 list came out in March 2024.",
        "The Velmora Forum 2023 opened in the city.",
        "It ranked No 1 in Fortune 500 terms.",
    ],
)
def test_numbers_after_ordinary_words_are_not_products(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert _keys(text, "product", gazetteer, rates) == []


def test_spellings_of_one_product_share_a_key(gazetteer: Gazetteer, rates: RateTable) -> None:
    keys = {
        key
        for text in ("It shipped Kelmo 3 today.", "It shipped Kelmo3 today.", "Kelmo-3 is out.")
        for key in _keys(text, "product", gazetteer, rates)
    }
    assert keys == {"product:kelmo3"}


def test_a_gazetteer_product_written_differently_resolves_to_it(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert "product:yitian-710" in _keys("The Yitian710 server CPU.", "product", gazetteer, rates)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "Analysts at Brightwater Capital Markets cut their target.",
            "org:brightwater-capital-markets",
        ),
        (
            "The Ministry of Industry and Information Technology approved it.",
            "org:ministry-of-industry-and-information-technology",
        ),
        ("Its Velmora Commerce Group will list separately.", "org:velmora-commerce-group"),
        ("Investors include Quillstone and ZephyrWorks.", "org:zephyrworks"),
        ("Shares of Brightfin Holdings Ltd rose.", "org:brightfin-holdings-ltd"),
    ],
)
def test_new_organisation_found_from_the_text(
    text: str, key: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert key in _keys(text, "org", gazetteer, rates), _facts(text, gazetteer, rates)


def test_legal_suffix_after_a_known_company_resolves_to_it(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert _keys("Tencent Holdings Ltd said so.", "org", gazetteer, rates) == ["org:tencent"]


def test_two_companies_joined_by_and_are_two(gazetteer: Gazetteer, rates: RateTable) -> None:
    keys = _keys("Rivals Velmora Corp and Quillstone Inc declined.", "org", gazetteer, rates)
    assert keys == ["org:velmora-corp", "org:quillstone-inc"]


def test_possessive_owner_is_not_part_of_an_organisation(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    keys = _keys(
        "Last year Brightfin's Velmora Research Institute opened in the city.",
        "org",
        gazetteer,
        rates,
    )
    assert "org:velmora-research-institute" in keys


@pytest.mark.parametrize(
    "text",
    ["Our CEOs and CFOs met.", "The MoE design uses SwiGLU.", "FAQs and APIs are online."],
)
def test_acronym_plurals_and_jargon_are_not_organisations(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    found = [f.text for f in _facts(text, gazetteer, rates) if f.kind == "org"]
    assert not {"CEOs", "CFOs", "MoE", "FAQs", "APIs"} & set(found)


def test_headline_capitals_do_not_make_names(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _facts("Alibaba Scraps Cloud Spin-Off Amid Escalating Chip Curbs", gazetteer, rates)
    assert [f.text for f in facts if f.kind in ("org", "product")] == ["Alibaba Group"]


def test_publications_are_media_not_organisations(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _facts("Reuters reported the deal first.", gazetteer, rates)
    assert [(f.kind, f.key) for f in facts] == [("media", "media:reuters")]
