"""`make eval`: rdwatch on real coverage, run as a user would, scored against the corpus labels.

For each part (dev, held-out) and language set (English; English and Chinese), the corpus is
served from a local web server (`site`), the archive articles of that part are the archive
(beside the owner's five), and the real `rdwatch run` watches the feeds twice: the first half of
each event's coverage (by date, then id), then the rest. The export and the outbox are then read
back and scored:

- alerts: how many were sent, how many are about events the archive already holds, how many
  repeat an event already alerted, the share of new events alerted, routine items alerted;
- joins: the share of an archived event's coverage stored as duplicate/same_story of the archive's
  story; stories that mix events;
- facts: recall and precision per group (`facts_score`).

    .venv/bin/python -m tests.eval.run_eval [--part dev|heldout|both] [--lang en|all|both]
        [--details] [--no-prefect] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.eval.corpus import ROOT, CorpusArticle, load_corpus, select
from tests.eval.facts_score import GroupScore, format_table, load_judgements, score_facts
from tests.eval.site import CorpusSite, article_path, serve
from tests.servers import serve_receiver

JUDGED = Path(__file__).with_name("judged.yaml")
RDWATCH = ROOT / ".venv" / "bin" / "rdwatch"


@dataclass
class AlertScore:
    """The same-event measures of one run (goals in brackets, as the README states them)."""

    articles: int = 0
    events_new: int = 0
    events_archived: int = 0
    alerts_sent: int = 0
    alerts_about_archived: int = 0
    alerts_repeated: int = 0
    new_events_alerted: int = 0
    routine_items: int = 0
    routine_alerted: int = 0
    archived_coverage: int = 0
    archived_coverage_joined: int = 0
    mixed_stories: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def new_events_share(self) -> float:
        return self.new_events_alerted / self.events_new if self.events_new else 1.0

    @property
    def joined_share(self) -> float:
        return (
            self.archived_coverage_joined / self.archived_coverage
            if self.archived_coverage
            else 1.0
        )

    @property
    def routine_share(self) -> float:
        return self.routine_alerted / self.routine_items if self.routine_items else 0.0


def waves(articles: Sequence[CorpusArticle]) -> tuple[list[CorpusArticle], list[CorpusArticle]]:
    """Each event's (and the near misses') coverage split in two halves, earliest first."""
    groups: dict[str, list[CorpusArticle]] = defaultdict(list)
    for article in articles:
        groups[article.label].append(article)
    first: list[CorpusArticle] = []
    second: list[CorpusArticle] = []
    for group in groups.values():
        ordered = sorted(group, key=lambda a: (a.published is None, a.published, int(a.id)))
        half = (len(ordered) + 1) // 2
        first += ordered[:half]
        second += ordered[half:]
    return first, second


def write_archive(folder: Path, archived: Sequence[CorpusArticle]) -> dict[str, str]:
    """The owner's archive plus the part's archive articles; returns archive URL → corpus id."""
    folder.mkdir(parents=True)
    for path in (ROOT / "config" / "archive").glob("*.txt"):
        shutil.copy(path, folder / path.name)
    urls = {}
    for article in archived:
        name = f"corpus_{article.id}.txt"
        (folder / name).write_text(f"{article.title}\n\n{article.text}\n", encoding="utf-8")
        urls[f"archive://{name}"] = article.id
    return urls


def write_config(workdir: Path, site: CorpusSite, receiver_base: str) -> Path:
    data = {
        "database_url": f"sqlite:///{workdir / 'rdwatch.db'}",
        "data_dir": str(workdir / "data"),
        "archive": str(workdir / "archive"),
        "sources": [
            {"name": slug, "kind": "feed", "url": url} for slug, url in site.feed_urls().items()
        ],
        "fetch": {"allow_private_addresses": True, "max_age_days": None, "timeout_s": 10},
        "facts": {
            "gazetteer": str(ROOT / "config" / "gazetteer.yaml"),
            "rates": str(ROOT / "config" / "rates.yaml"),
        },
        "alerts": {"channels": [{"url": f"json://{receiver_base}/hook", "name": "receiver"}]},
    }
    path = workdir / "rdwatch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def rdwatch(config: Path, *args: str) -> str:
    env = {**os.environ, "PREFECT_HOME": str(config.parent / "prefect")}
    done = subprocess.run(
        [str(RDWATCH), *args, "--config", str(config)],
        capture_output=True, text=True, env=env, timeout=1800, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"rdwatch {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class RunOutcome:
    records: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    received: int


def run_part(articles: Sequence[CorpusArticle], workdir: Path, prefect: bool) -> RunOutcome:
    archived = [a for a in articles if a.archive]
    watched = [a for a in articles if not a.archive]
    write_archive(workdir / "archive", archived)
    site = CorpusSite(watched)
    run_args = ["run"] if prefect else ["run", "--no-prefect"]
    with serve(site), serve_receiver() as receiver:
        config = write_config(workdir, site, receiver.base)
        for wave in waves(watched):
            site.publish(wave)
            rdwatch(config, *run_args)
        received = len(receiver.requests)
    records = [
        json.loads(line) for line in rdwatch(config, "export", "--format", "jsonl").splitlines()
    ]
    alerts = json.loads(rdwatch(config, "alerts", "list", "--json"))
    return RunOutcome(records, alerts, received)


def corpus_id(
    record: dict[str, Any], by_path: dict[str, str], archive_ids: dict[str, str]
) -> str | None:
    url = record["url"]
    if url in archive_ids:
        return archive_ids[url]
    for path, article_id in by_path.items():
        if url.endswith(path):
            return article_id
    return None


def score_alerts(
    articles: Sequence[CorpusArticle], outcome: RunOutcome, archive_ids: dict[str, str]
) -> tuple[AlertScore, dict[str, list[dict[str, Any]]]]:
    by_id = {a.id: a for a in articles}
    by_path = {article_path(a): a.id for a in articles}
    story_labels: dict[int, list[str]] = defaultdict(list)
    article_story: dict[str, int] = {}
    article_status: dict[str, str] = {}
    facts: dict[str, list[dict[str, Any]]] = {}
    for record in outcome.records:
        cid = corpus_id(record, by_path, archive_ids)
        if cid is None:
            continue
        story_labels[record["story_id"]].append(by_id[cid].label)
        article_story[cid] = record["story_id"]
        article_status[cid] = record["status"]
        facts[cid] = record["facts"]
    score = AlertScore(articles=len(articles))
    archived_events = {a.event for a in articles if a.archive}
    events = {a.event for a in articles if a.event}
    score.events_archived = len(archived_events)
    score.events_new = len(events - archived_events)
    sent = [a for a in outcome.alerts if a["kind"] == "alert" and a["status"] == "sent"]
    score.alerts_sent = len(sent)
    alerted_events: Counter[str] = Counter()
    alerted_stories = set()
    for alert in sent:
        labels = story_labels.get(alert["story_id"], [])
        label = Counter(labels).most_common(1)[0][0] if labels else "?"
        event = label.removeprefix("new-event:")
        alerted_stories.add(alert["story_id"])
        if event in archived_events:
            score.alerts_about_archived += 1
        if label.startswith("new-event:"):
            alerted_events[event] += 1
        score.details.append(f"alert story {alert['story_id']}: {Counter(labels)}")
    score.alerts_repeated = sum(n - 1 for n in alerted_events.values() if n > 1)
    score.new_events_alerted = len(set(alerted_events) & (events - archived_events))
    routine = [a for a in articles if a.event is None]
    score.routine_items = len(routine)
    score.routine_alerted = sum(article_story.get(a.id) in alerted_stories for a in routine)
    for event in archived_events:
        home = next(article_story.get(a.id) for a in articles if a.archive and a.event == event)
        coverage = [a for a in articles if a.event == event and not a.archive]
        score.archived_coverage += len(coverage)
        for a in coverage:
            joined = article_story.get(a.id) == home and article_status.get(a.id) in (
                "duplicate",
                "same_story",
            )
            score.archived_coverage_joined += joined
            if not joined:
                score.details.append(
                    f"not joined: {a.id} ({event}) status {article_status.get(a.id)}"
                )
    score.mixed_stories = sum(len(set(labels)) > 1 for labels in story_labels.values())
    for story, labels in story_labels.items():
        if len(set(labels)) > 1:
            score.details.append(f"mixed story {story}: {Counter(labels)}")
    return score, facts


def format_alerts(rows: dict[str, AlertScore]) -> str:
    names = list(rows)
    lines = ["| measure | " + " | ".join(names) + " | goal |", "|---" * (len(names) + 2) + "|"]

    def row(label: str, values: list[str], goal: str) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + f" | {goal} |")

    s = list(rows.values())
    row("articles", [str(x.articles) for x in s], "")
    row("alerts sent", [f"{x.alerts_sent} (due {x.events_new})" for x in s], "one per new event")
    row("alerts about archived events", [str(x.alerts_about_archived) for x in s], "0")
    row("extra alerts for an event already alerted", [str(x.alerts_repeated) for x in s], "0")
    row(
        "new events alerted",
        [f"{x.new_events_alerted} of {x.events_new} ({x.new_events_share:.2f})" for x in s],
        "≥ 0.9",
    )
    row(
        "routine items alerted",
        [f"{x.routine_alerted} of {x.routine_items}" for x in s],
        "≤ 1 in 12",
    )
    row(
        "archived-event coverage joined",
        [f"{x.joined_share:.2f} ({x.archived_coverage_joined}/{x.archived_coverage})" for x in s],
        "≥ 0.9",
    )
    row("stories mixing events", [str(x.mixed_stories) for x in s], "0")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rdwatch on the real-coverage corpus")
    parser.add_argument("--part", choices=("dev", "heldout", "both"), default="both")
    parser.add_argument("--lang", choices=("en", "all", "both"), default="both")
    parser.add_argument("--details", action="store_true", help="list alerts, misses, mixed stories")
    parser.add_argument(
        "--no-prefect", action="store_true", help="rdwatch run --no-prefect (faster)"
    )
    parser.add_argument("--json", type=Path, help="also write the scores to this file")
    parser.add_argument("--keep", type=Path, help="keep the work folders here")
    args = parser.parse_args(argv)
    parts = ("dev", "heldout") if args.part == "both" else (args.part,)
    langs = ("en", "all") if args.lang == "both" else (args.lang,)
    corpus = load_corpus()
    judged = load_judgements(yaml.safe_load(JUDGED.read_text()) if JUDGED.exists() else None)
    alert_rows: dict[str, AlertScore] = {}
    fact_rows: dict[str, dict[str, GroupScore]] = {}
    base = Path(tempfile.mkdtemp(prefix="rdwatch-eval-", dir=args.keep))
    try:
        for part in parts:
            for lang in langs:
                name = f"{part}, {'English' if lang == 'en' else 'en+zh'}"
                articles = select(corpus, part, english_only=lang == "en")
                workdir = base / f"{part}-{lang}"
                workdir.mkdir()
                print(f"== {name}: {len(articles)} articles ({workdir})", file=sys.stderr)
                outcome = run_part(articles, workdir, prefect=not args.no_prefect)
                archive_ids = {f"archive://corpus_{a.id}.txt": a.id for a in articles if a.archive}
                alert_rows[name], facts = score_alerts(articles, outcome, archive_ids)
                fact_rows[name] = score_facts(articles, facts, judged)
                if args.details:
                    print(f"\n-- {name}\n" + "\n".join(alert_rows[name].details))
                    print("\nfacts missed:\n" + "\n".join(fact_rows[name]["all"].misses))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print("\n## Same event, one alert\n")
    print(format_alerts(alert_rows))
    for name, scores in fact_rows.items():
        print(f"\n## Facts: {name}\n")
        print(format_table(scores))
    if args.json:
        payload = {
            "alerts": {k: {**asdict(v), "details": None} for k, v in alert_rows.items()},
            "facts": {
                k: {g: {"recall": s.recall, "precision": s.precision} for g, s in v.items()}
                for k, v in fact_rows.items()
            },
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
