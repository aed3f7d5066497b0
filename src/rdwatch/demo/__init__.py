"""The offline demo: a bundled sample news world served locally, watched in two waves.

Nothing here is special-cased in the pipeline: the demo is a config that points rdwatch at a local
server, plus the files that server serves. Wave 1 holds a reprint of an archive article, another
outlet's own write-up of an archived event, two outlets covering one new DAMO announcement, a
routine mention and a Chinese-language item; wave 2 adds a syndicated copy of the announcement and
an unrelated item, so a user sees that nothing is alerted twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rdwatch.demo.server import serve_world
from rdwatch.models import RunSummary
from rdwatch.notify.context import load_alert_context
from rdwatch.notify.render import render_alert
from rdwatch.store import Database
from rdwatch.store import outbox as outbox_store
from rdwatch.store.articles import get_story

WORLD = Path(__file__).parent / "world"
WAVES = (("wave 1", (WORLD / "wave1",)), ("wave 2", (WORLD / "wave2", WORLD / "wave1")))
OUTLETS = ("shenzhen-tech-daily", "pacific-business-review", "asia-tech-ledger", "keji-xinwen")
_PROJECT_ROOT = Path(__file__).resolve().parents[3]

WaveRunner = Callable[[Path], RunSummary]


@dataclass(frozen=True)
class DemoResult:
    workdir: Path
    config_path: Path
    summaries: tuple[RunSummary, ...]
    alerts: tuple[dict[str, Any], ...]
    previews: tuple[Path, ...]


def project_file(relative: str) -> Path:
    """A shipped project file (archive, gazetteer, rates), from the working directory or the
    source checkout rdwatch runs from."""
    for base in (Path.cwd(), _PROJECT_ROOT):
        if (base / relative).exists():
            return (base / relative).resolve()
    return Path(relative)


def demo_config(workdir: Path, base_url: str) -> dict[str, Any]:
    return {
        "database_url": f"sqlite:///{workdir / 'rdwatch-demo.db'}",
        "data_dir": str(workdir),
        "archive": str(project_file("config/archive")),
        "sources": [
            {"name": outlet, "kind": "feed", "url": f"{base_url}/{outlet}.xml"}
            for outlet in OUTLETS
        ],
        "fetch": {"allow_private_addresses": True, "max_age_days": None, "timeout_s": 10},
        "facts": {
            "gazetteer": str(project_file("config/gazetteer.yaml")),
            "rates": str(project_file("config/rates.yaml")),
        },
        "alerts": {"channels": []},
    }


def run_demo(
    workdir: Path,
    run_wave: WaveRunner,
    on_wave: Callable[[str, RunSummary], None] = lambda name, summary: None,
) -> DemoResult:
    """Serve the demo world and run one watch per wave; alerts go to the console channel."""
    workdir.mkdir(parents=True, exist_ok=True)
    _clear_previous_demo(workdir)
    config_path = workdir / "rdwatch-demo.yaml"
    summaries = []
    with serve_world(WAVES[0][1]) as world:
        config = demo_config(workdir, world.base)
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        for name, roots in WAVES:
            world.show(roots)
            summary = run_wave(config_path)
            summaries.append(summary)
            on_wave(name, summary)
    previews = write_email_previews(config["database_url"], workdir)
    return DemoResult(workdir, config_path, tuple(summaries), _read_alerts(workdir), previews)


def _clear_previous_demo(workdir: Path) -> None:
    """A demo always starts from an empty database, so wave 1 shows everything again."""
    patterns = ("rdwatch-demo.db*", "alerts.jsonl", "alert-story-*.html")
    for pattern in patterns:
        for path in workdir.glob(pattern):
            path.unlink()


def write_email_previews(database_url: str, workdir: Path) -> tuple[Path, ...]:
    """The HTML email each sent alert would be, one file per story."""
    db = Database(database_url)
    written = []
    try:
        with db.session() as session:
            for entry in outbox_store.list_entries(session, status=outbox_store.SENT):
                story = get_story(session, entry.story_id) if entry.story_id else None
                if story is None:
                    continue
                path = workdir / f"alert-story-{story.id}.html"
                message = render_alert(story, "html", context=load_alert_context(session, story))
                path.write_text(message.body, encoding="utf-8")
                written.append(path)
    finally:
        db.dispose()
    return tuple(written)


def _read_alerts(workdir: Path) -> tuple[dict[str, Any], ...]:
    path = workdir / "alerts.jsonl"
    if not path.exists():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())
