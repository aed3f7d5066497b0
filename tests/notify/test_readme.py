"""The README shows one alert in each format exactly as the code renders it."""

from __future__ import annotations

from tests.notify.readme import README, alert_examples, readme_section


def test_readme_alert_examples_are_what_the_code_renders() -> None:
    shown = readme_section(README.read_text(encoding="utf-8"))
    assert shown == alert_examples(), "README is stale: run `python -m tests.notify.readme`"
