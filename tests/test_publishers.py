"""Publishers: the outlet that counts, from the feed's <source>, the site name or the domain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rdwatch.publishers import MAX_PUBLISHER_CHARS, clean_publisher, publisher_of, registered_domain


def test_the_feed_items_own_source_comes_first() -> None:
    url = "https://news.google.com/rss/articles/CBMiXyz"
    assert publisher_of(url, feed_source="Reuters", site_name="Google News", fallback="gn") == (
        "Reuters"
    )


def test_then_the_site_name_then_the_registered_domain() -> None:
    assert publisher_of("https://uk.example.co.uk/a", site_name=" The  Example ", fallback="x") == (
        "The Example"
    )
    assert publisher_of("https://news.example.co.uk/a", fallback="x") == "example.co.uk"
    assert registered_domain("https://www.example.com/a?b") == "example.com"


def test_an_address_names_no_publisher_so_the_source_stands_in() -> None:
    assert registered_domain("http://127.0.0.1:8080/feed") is None
    assert publisher_of("http://localhost:8080/a", fallback="tech-wire") == "tech-wire"
    assert registered_domain("not a url") is None


@given(st.text(max_size=400))
def test_a_cleaned_name_is_bounded_trimmed_and_stable(name: str) -> None:
    cleaned = clean_publisher(name)
    if cleaned is None:
        assert not " ".join(name.split())[:MAX_PUBLISHER_CHARS].strip()
        return
    assert 0 < len(cleaned) <= MAX_PUBLISHER_CHARS
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert clean_publisher(cleaned) == cleaned


def test_a_site_name_that_is_only_an_address_names_no_publisher() -> None:
    for address in ("127.0.0.1:8080", "localhost", "[::1]:9000", "10.0.0.7"):
        assert clean_publisher(address) is None
        assert publisher_of("http://127.0.0.1:8080/a", site_name=address, fallback="wire") == "wire"
