"""`rdwatch explain`: run one article through dedup, facts and notability, and render why."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rdwatch.cli.shared import ConfigOption, console
from rdwatch.config import load_config
from rdwatch.console import safe
from rdwatch.models import DedupTier, Fact

if TYPE_CHECKING:  # imported when the command runs: it loads the whole pipeline
    from rdwatch import explain as explaining


def explain_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="URL|FILE",
            help="An article URL, or an HTML or plain-text file (first line: the title).",
        ),
    ],
    config: ConfigOption = None,
    source: Annotated[
        str | None,
        typer.Option(help="Score it as coming from this configured source (its weight counts)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object instead of text.")
    ] = False,
) -> None:
    """Run one article through dedup, facts and notability without storing or sending; say why."""
    from rdwatch import explain as explaining

    settings = load_config(config)
    result = explaining.explain(settings, target, source=source)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    print_explanation(result)


def print_explanation(result: explaining.Explanation) -> None:
    a, d = result.article, result.decision
    published = a.published.isoformat() if a.published else "no date found"
    _say(f"[bold]explain[/bold] {safe(result.input)} (nothing is stored or sent)")
    _say(f"article    {safe(a.title)}")
    _say(f"url        {safe(a.url)}")
    _say(f"           published {published} · source {safe(a.source)} · {len(a.text)} chars")
    _print_neighbours(result.neighbours)
    _say(f"dedup      {d.status.value} (tier {d.tier.value}): {safe(d.reason)}")
    if result.story is not None:
        s = result.story
        kind = "archive story" if s.is_archive else "story"
        _say(f"story      joins {kind} {s.id} ({s.articles} stored article(s)): {safe(s.title)}")
    elif d.tier != DedupTier.SEEN:
        _say("story      starts a new story")
    _print_facts(result)
    _print_notability(result)
    verdict = "[green]yes[/green]" if result.alert.would_alert else "no"
    _say(f"alert      {verdict} — {safe(result.alert.reason)}")


def _say(line: str) -> None:
    console.print(line, highlight=False)


def _print_neighbours(neighbours: tuple[explaining.Neighbour, ...]) -> None:
    if not neighbours:
        _say("nearest    none: no stored article shares an LSH band, no story a distinctive term")
        return
    _say("nearest    what dedup compared (similarity: estimated Jaccard of the texts)")
    for n in neighbours:
        _say(
            f"  article {n.article_id} · story {n.story_id} · similarity {n.similarity:.2f} · "
            f"same-story score {n.story_score:.2f} · {safe(n.url or n.title)}"
        )
        console.print(f"      {safe(n.story_detail)}", style="dim", highlight=False)


def _print_facts(result: explaining.Explanation) -> None:
    """Facts grouped under the sentence they came from: one sentence usually carries several."""
    if not result.facts:
        _say("facts      none found")
        return
    by_sentence: dict[str, list[Fact]] = {}
    for fact in result.facts:
        by_sentence.setdefault(fact.sentence, []).append(fact)
    _say(f"facts      {len(result.facts)}, by the sentence they came from:")
    for sentence, facts in by_sentence.items():
        shown = sentence if len(sentence) <= 200 else sentence[:199] + "…"
        _say(f"  [dim]“{safe(shown)}”[/dim]")
        _say("      " + " · ".join(safe(_fact_label(f)) for f in facts))


def _fact_label(fact: Fact) -> str:
    details = [
        f"{k}={int(v) if isinstance(v, float) and v.is_integer() else v}"
        for k, v in fact.to_dict().items()
        if k not in ("kind", "text")
    ]
    return f"{fact.kind}: {fact.text}" + (f" ({', '.join(details)})" if details else "")


def _print_notability(result: explaining.Explanation) -> None:
    notability = result.notability
    if notability is None:
        why = "it is already stored" if result.decision.tier == DedupTier.SEEN else "archive story"
        _say(f"notability not scored: a run scores no story here ({why})")
        return
    table = Table("rule", "points", "reason", title="notability rules")
    for r in notability.reasons:
        table.add_row(safe(r.rule), f"{r.weight:+.2f}", safe(r.detail))
    console.print(table)
    verdict = "notable" if notability.notable else "not notable"
    comparison = "≥" if notability.notable else "<"
    _say(
        f"verdict    score {notability.score:.2f} {comparison} threshold "
        f"{result.threshold:.2f}: {verdict}"
    )
