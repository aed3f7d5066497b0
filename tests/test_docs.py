"""Docs that cannot drift: CLI help and README coverage, generated config reference, shipped
config files valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rdwatch.cli import app
from rdwatch.config import load_config
from rdwatch.docs import BEGIN, END, config_reference
from rdwatch.facts import load_gazetteer, load_rates

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            found += _commands(command, f"{path} ")
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_every_command_has_help_and_is_in_the_readme() -> None:
    assert len(COMMANDS) >= 11
    for path, command in COMMANDS:
        assert (command.help or "").strip(), f"`rdwatch {path}` has no help text"
        assert f"rdwatch {path}" in README, f"`rdwatch {path}` is missing from README.md"


def test_readme_config_reference_is_generated_from_the_models() -> None:
    section = README[README.index(BEGIN) + len(BEGIN) : README.index(END)].strip()
    assert section == config_reference(), "README is stale: run `python -m rdwatch.docs`"


def test_shipped_config_files_are_valid() -> None:
    config = load_config(ROOT / "config" / "rdwatch.yaml")
    assert load_gazetteer(ROOT / config.facts.gazetteer)
    assert load_rates(ROOT / config.facts.rates)
    assert sorted(p.name for p in (ROOT / "config" / "archive").glob("*.txt"))[0].startswith("000")
