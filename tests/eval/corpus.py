"""The labelled real-coverage corpus beside the project (`../shared/corpus/`), read in place.

Each article is one JSON file; its prose belongs to its publisher and is never copied into the
project. The corpus is split once, by a fixed rule, into a dev part (tuned on) and a held-out part
(scored only to report): whole events go to one part, so a held-out event is never seen while
tuning; near misses (`not-notable`) are split by id.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]
Part = Literal["dev", "heldout"]
FACT_GROUPS = ("money", "people", "orgs", "places", "numbers", "products")


def corpus_dir() -> Path:
    """`$RDWATCH_CORPUS`, else `../shared/corpus` beside the checkout."""
    return Path(os.environ.get("RDWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")


@dataclass(frozen=True)
class CorpusArticle:
    id: str
    url: str
    title: str
    outlet: str
    published: date | None
    lang: str
    label: str
    archive: bool
    expected_facts: dict[str, tuple[str, ...]]
    text: str

    @property
    def event(self) -> str | None:
        """The event slug, or None for a near miss."""
        prefix = "new-event:"
        return self.label.removeprefix(prefix) if self.label.startswith(prefix) else None

    @property
    def part(self) -> Part:
        key = self.label if self.event else self.id
        return "heldout" if zlib.crc32(key.encode()) % 3 == 0 else "dev"


def load_corpus(folder: Path | None = None) -> list[CorpusArticle]:
    """Every article of the corpus, by id; a missing folder is an error that names it."""
    folder = folder or corpus_dir()
    files = sorted(folder.glob("[0-9]*.json"))
    if not files:
        raise FileNotFoundError(f"no corpus articles in {folder} (set RDWATCH_CORPUS)")
    return [_article(json.loads(f.read_text(encoding="utf-8"))) for f in files]


def _article(raw: dict) -> CorpusArticle:
    published = raw.get("published")
    return CorpusArticle(
        id=str(raw["id"]),
        url=raw["url"],
        title=raw["title"],
        outlet=raw["outlet"],
        published=date.fromisoformat(published) if published else None,
        lang=raw["lang"],
        label=raw["label"],
        archive=bool(raw.get("archive")),
        expected_facts={
            group: tuple(raw.get("expected_facts", {}).get(group) or ()) for group in FACT_GROUPS
        },
        text=raw["text"],
    )


def select(
    articles: list[CorpusArticle], part: Part | None = None, *, english_only: bool = False
) -> list[CorpusArticle]:
    return [
        a
        for a in articles
        if (part is None or a.part == part) and (not english_only or a.lang == "en")
    ]
