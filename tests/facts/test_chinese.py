"""Facts from Chinese-language text: numbers, money, counts, entities, people, quotes, dates and
sentences, plus property tests for the Chinese number parser. Fixture sentences are written for
these tests."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rdwatch.facts import Gazetteer, RateTable, extract_facts, watched_entities
from rdwatch.facts.chinese_numbers import parse_chinese_number
from rdwatch.facts.money import find_amounts
from rdwatch.facts.numbers import parse_number
from rdwatch.facts.sentences import split_sentences
from rdwatch.models import Fact


def _facts(text: str, gazetteer: Gazetteer, rates: RateTable, **kw: object) -> dict[str, Fact]:
    facts = extract_facts(text, gazetteer=gazetteer, rates=rates, **kw)  # type: ignore[arg-type]
    return {f.key: f for f in facts}


def _of_kind(
    text: str, kind: str, gazetteer: Gazetteer, rates: RateTable, **kw: object
) -> list[Fact]:
    return [f for f in _facts(text, gazetteer, rates, **kw).values() if f.kind == kind]


# --- numbers ---


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三", 3), ("十", 10), ("十五", 15), ("二十五", 25), ("一百零五", 105), ("一百五", 150),
        ("一千零五", 1005), ("两千", 2000), ("三万五千", 35_000), ("三万五", 35_000),
        ("两千五百万", 25_000_000), ("一百二十亿", 12_000_000_000), ("三亿五千万", 350_000_000),
        ("一万亿", 10**12), ("三点五", 3.5), ("二〇一七", 2017), ("1000亿", 10**11),
        ("1,000万", 10**7), ("2.5万", 25_000), ("5千万", 50_000_000), ("１２", 12), ("近", None),
        ("亿", None), ("三三", None), ("十十", None), ("1,0000", None),
    ],
)  # fmt: skip
def test_chinese_numbers(text: str, value: float | None) -> None:
    assert parse_chinese_number(text) == value
    assert parse_number(text) == value


_DIGITS = "零一二三四五六七八九"


def _section(n: int) -> str:
    """0 < n < 10000 in Chinese numerals, written out in full ("一十", "一千零五")."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += ("零" if zero else "") + _DIGITS[digit] + name
        zero = False
    return out


def to_chinese(n: int) -> str:
    """Reference writer for 0 ≤ n < 10^12, the way a Chinese text spells a number out."""
    if n == 0:
        return "零"
    out, gap = "", False
    for unit, name in ((10**8, "亿"), (10**4, "万"), (1, "")):
        part = n // unit % 10_000
        if part == 0:
            gap = bool(out)
            continue
        if out and (gap or part < 1000):
            out += "零"
        out += _section(part) + name
        gap = False
    return out


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_chinese_number(to_chinese(n)) == n, to_chinese(n)


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(["千", "万", "亿", "万亿"]))
def test_digits_with_scale_round_trip(n: int, scale: str) -> None:
    factor = {"千": 10**3, "万": 10**4, "亿": 10**8, "万亿": 10**12}[scale]
    assert parse_chinese_number(f"{n:,}{scale}") == n * factor
    assert parse_chinese_number(f"{n}{scale}") == n * factor


@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿点0123456789.,，多余元", max_size=30))
def test_chinese_number_parser_never_raises_on_numeral_soup(text: str) -> None:
    value = parse_chinese_number(text)
    assert value is None or value >= 0
    find_amounts(text)


@given(st.text(max_size=60))
def test_chinese_number_parser_never_raises(text: str) -> None:
    parse_chinese_number(text)


@given(
    n=st.integers(min_value=2, max_value=10**8 - 1), noun=st.sampled_from(["名工程师", "篇论文"])
)
def test_chinese_count_round_trips(
    n: int, noun: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    unit = "engineers" if noun.endswith("工程师") else "papers"
    for written in (str(n), to_chinese(n)):
        counts = _of_kind(f"达摩院共有{written}{noun}。", "count", gazetteer, rates)
        assert [f.key for f in counts] == [f"count:{unit}:{n}"], written


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["亿元", "万元", "亿美元"]))
def test_chinese_money_in_numerals_round_trips(n: int, unit: str) -> None:
    (amount,) = find_amounts(f"公司将投入{to_chinese(n)}{unit}。")
    assert amount.value == n * (10**8 if unit[0] == "亿" else 10**4)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet="阿里巴巴达摩院张建锋表示名位人工程师亿万元美元年月日三十百1029。，“”：",
        max_size=200,
    )
)
def test_extract_facts_never_raises_on_chinese(
    text: str, gazetteer: Gazetteer, rates: RateTable
) -> None:
    for fact in extract_facts(text, gazetteer=gazetteer, rates=rates, published=date(2020, 3, 1)):
        assert fact.key.startswith(fact.kind + ":")


# --- money ---


@pytest.mark.parametrize(
    ("text", "key", "currency", "value"),
    [
        ("阿里巴巴将投入1000亿元。", "money:cny:100000000000", "CNY", 1e11),
        ("三年投入人民币1000亿元。", "money:cny:100000000000", "CNY", 1e11),
        ("投入超过1000亿元人民币。", "money:cny:100000000000", "CNY", 1e11),
        ("公司获得15亿美元投资。", "money:usd:1500000000", "USD", 1.5e9),
        ("设立1,000万元奖学金。", "money:cny:10000000", "CNY", 1e7),
        ("计划投入一千亿元。", "money:cny:100000000000", "CNY", 1e11),
        ("融资500万港元。", "money:hkd:5000000", "HKD", 5e6),
    ],
)
def test_chinese_money(
    text: str, key: str, currency: str, value: float, gazetteer: Gazetteer, rates: RateTable
) -> None:
    (fact,) = _of_kind(text, "money", gazetteer, rates)
    assert (fact.key, fact.currency, fact.value) == (key, currency, value), fact


def test_chinese_money_normalised_to_usd_at_the_dated_rate(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    (fact,) = _of_kind("设立1,000万元基金。", "money", gazetteer, rates, published=date(2017, 5, 2))
    assert fact.usd == pytest.approx(1e7 * rates.rate_for("CNY", date(2017, 5, 2)))
    (dollars,) = _of_kind("公司获得15亿美元投资。", "money", gazetteer, rates)
    assert dollars.usd == 1.5e9
    assert dollars.to_dict() == {
        "kind": "money", "text": "15亿美元", "value": 1.5e9, "currency": "USD", "usd": 1.5e9,
    }  # fmt: skip


def test_chinese_money_qualifiers_and_restatement(gazetteer: Gazetteer, rates: RateTable) -> None:
    (more,) = _of_kind("集团将投入1000多亿元。", "money", gazetteer, rates)
    assert (more.key, more.qualifier) == ("money:cny:100000000000", "more than")
    (over,) = _of_kind("投入超过1000亿元人民币。", "money", gazetteer, rates)
    assert over.qualifier == "more than"
    (both,) = _of_kind("项目投资100亿元（约合15亿美元）。", "money", gazetteer, rates)
    assert (both.key, both.currency, both.value, both.usd) == (
        "money:usd:1500000000", "CNY", 1e10, 1.5e9,
    )  # fmt: skip


def test_yuan_inside_words_is_not_money(gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _of_kind("三元宇宙平台与多元化业务。", "money", gazetteer, rates) == []


# --- counts ---


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("计划引进100名研究人员。", "count:researchers:100"),
        ("目前有30名博士后。", "count:postdocs:30"),
        ("团队发表了500篇论文。", "count:papers:500"),
        ("新增20名工程师。", "count:engineers:20"),
        ("拥有2.5万名工程师。", "count:engineers:25000"),
        ("公司有三万五千名员工。", "count:employees:35000"),
        ("将招募100多名顶尖科学家。", "count:scientists:100"),
        ("服务20亿用户。", "count:customers:2000000000"),
        ("要服务全世界20亿人。", "count:people:2000000000"),
    ],
)
def test_chinese_counts(text: str, key: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert key in [f.key for f in _of_kind(text, "count", gazetteer, rates)]


@pytest.mark.parametrize(
    "text",
    [
        "数百名工程师参加。",  # vague
        "他在比赛中获得第3名。",  # ordinal
        "入选千人计划。",  # a programme's name
        "项目历时3个月。",  # a time span
        "来了一名工程师。",  # one
        "人工智能研究投入巨大。",
        "1000亿元人民币。",  # money
    ],
)
def test_chinese_not_counts(text: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _of_kind(text, "count", gazetteer, rates) == []


def test_chinese_count_qualifier_and_modifier(gazetteer: Gazetteer, rates: RateTable) -> None:
    (fact,) = _of_kind("将招募100多名顶尖科学家。", "count", gazetteer, rates)
    assert (fact.text, fact.unit, fact.qualifier) == (
        "100多名顶尖科学家",
        "scientists",
        "more than",
    )
    keys = [f.key for f in _of_kind("聘请3名教授和工程师。", "count", gazetteer, rates)]
    assert keys == ["count:professors:3"]


# --- organisations, units, products, places ---


def test_chinese_aliases_find_the_english_keys(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "阿里巴巴旗下的达摩院与平头哥在杭州发布含光800和玄铁910，阿里云将采用飞天系统。"
    keys = set(_facts(text, gazetteer, rates))
    assert {
        "org:alibaba-group", "org:damo-academy", "org:t-head", "org:alibaba-cloud",
        "product:hanguang-800", "product:xuantie", "product:apsara", "place:hangzhou",
    } <= keys  # fmt: skip
    assert watched_entities(text, gazetteer) == (
        "Alibaba Group", "DAMO Academy", "T-Head", "Alibaba Cloud",
    )  # fmt: skip


def test_chinese_alias_before_a_model_number_or_latin(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    assert "product:xuantie" in _facts("平头哥推出玄铁C910。", gazetteer, rates)
    assert "product:yitian-710" in _facts("倚天710芯片发布。", gazetteer, rates)
    # …and a Chinese alias may follow a digit or a Latin letter.
    keys = set(_facts("含光800人工智能芯片与RISC-V物联网芯片。", gazetteer, rates))
    assert {"product:hanguang-800", "area:ai", "area:iot"} <= keys


def test_places_named_like_alibaba_are_not_alibaba(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "游客在阿里山看日出，阿里地区的公路也已通车。"
    assert "org:alibaba-group" not in _facts(text, gazetteer, rates)
    assert watched_entities(text, gazetteer) == ()
    assert "org:alibaba-group" in _facts("阿里发布新模型。", gazetteer, rates)


# --- people and quotes ---


def test_chinese_title_before_known_name(gazetteer: Gazetteer, rates: RateTable) -> None:
    person = _facts("阿里巴巴首席技术官张建锋表示，未来将继续投入。", gazetteer, rates)[
        "person:jeff zhang"
    ]
    assert (person.role, person.org) == ("CTO", "Alibaba Group")
    head = _facts("达摩院院长张建锋此前表示。", gazetteer, rates)["person:jeff zhang"]
    assert (head.role, head.org) == ("President", "DAMO Academy")
    both = _facts("阿里巴巴集团董事局主席兼首席执行官张勇说。", gazetteer, rates)[
        "person:daniel zhang"
    ]
    assert (both.role, both.org) == ("Chairman and CEO", "Alibaba Group")


def test_chinese_unknown_names(gazetteer: Gazetteer, rates: RateTable) -> None:
    titled = _facts("达摩院首席科学家王小刚在发布会上介绍了新芯片。", gazetteer, rates)
    assert (titled["person:王小刚"].role, titled["person:王小刚"].org) == (
        "Chief Scientist", "DAMO Academy",
    )  # fmt: skip
    assert "person:李明" in _facts("对此，李明此前表示不予置评。", gazetteer, rates)
    assert "person:欧阳明" in _facts("欧阳明认为这是好事。", gazetteer, rates)


@pytest.mark.parametrize(
    "text",
    [
        "平头哥方面称，产品已经量产。",
        "业内人士认为，门槛降低了。",
        "公司负责人表示，代码将开放。",
        "林业局表示，项目顺利。",
        "高层表示支持。",
        "报告认为，芯片需求旺盛。",
        "他还表示会继续投入。",
    ],
)
def test_chinese_not_people(text: str, gazetteer: Gazetteer, rates: RateTable) -> None:
    assert _of_kind(text, "person", gazetteer, rates) == []


def test_chinese_quote_speaker_by_alias(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = "马云在大会上表示：“我们要让研究院成为一家能够持续存在很多年的机构。”"
    (quote,) = _of_kind(text, "quote", gazetteer, rates)
    assert quote.speaker == "Jack Ma"
    assert quote.text.startswith("我们要让研究院")


# --- dates ---


def test_chinese_dates(gazetteer: Gazetteer, rates: RateTable) -> None:
    text = (
        "2017年10月11日，达摩院成立。未来三年投入研发。平头哥成立于去年9月。"
        "新实验室将在五年内建成。过去两年论文翻倍。十年前还没有这些技术。"
    )
    keys = set(_facts(text, gazetteer, rates, published=date(2019, 7, 26)))
    assert {
        "date:2017-10-11", "date:next:3y", "date:2018-09", "date:next:5y", "date:past:2y",
        "date:ago:10y",
    } <= keys  # fmt: skip


def test_chinese_dates_without_a_year_take_the_publication_year(
    gazetteer: Gazetteer, rates: RateTable
) -> None:
    text = "7月25日，平头哥发布新品。"
    assert "date:2019-07-25" in _facts(text, gazetteer, rates, published=date(2019, 7, 26))
    # Undated, the month and day stay, without a year; a day alone says too little.
    assert "date:--07-25" in _facts(text, gazetteer, rates)
    day = "平头哥25日在上海举行发布会。"
    assert not _of_kind(day, "date", gazetteer, rates)
    assert "date:2019-07-25" in _facts(day, gazetteer, rates, published=date(2019, 7, 26))
    # The 28th is still ahead on 3 August: the report means 28 July.
    assert "date:2019-07-28" in _facts(
        "28日举行发布会。", gazetteer, rates, published=date(2019, 8, 3)
    )


def test_year_before_qian_is_not_years_ago(gazetteer: Gazetteer, rates: RateTable) -> None:
    keys = set(_facts("2017年前后成立了实验室。", gazetteer, rates))
    assert not any(k.startswith("date:ago") for k in keys)


# --- sentences ---


def test_chinese_sentence_splitting() -> None:
    paragraph = (
        "阿里巴巴宣布成立达摩院。投入1000亿元！真的吗？马云说：“会的。”English follows. 最后一句"
    )
    assert split_sentences(paragraph) == [
        "阿里巴巴宣布成立达摩院。", "投入1000亿元！", "真的吗？", "马云说：“会的。”",
        "English follows.", "最后一句",
    ]  # fmt: skip


def test_facts_keep_their_chinese_sentence(gazetteer: Gazetteer, rates: RateTable) -> None:
    facts = _facts("达摩院成立。计划引进100名研究人员。", gazetteer, rates)
    assert facts["count:researchers:100"].sentence == "计划引进100名研究人员。"
