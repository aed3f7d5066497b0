"""The owner's archive: plain-text articles that rdwatch treats as already known.

Each file becomes an article with status `archive` and URL `archive://<file name>`. The files carry
no structured metadata, so the title is the first headline-like line and the date the earliest
date written near the top (many archive pages have none: then it stays unknown).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from rdwatch.errors import ConfigError
from rdwatch.models import Article

ARCHIVE_SOURCE = "archive"
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Z][a-z]+)\s+(\d{1,2}),\s*(\d{4})\b")
_HEAD_LINES = 12
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def archive_url(path: Path) -> str:
    return f"archive://{path.name}"


def read_archive_folder(folder: Path) -> list[Article]:
    """Every `*.txt` file of the folder as an `Article`, in file-name order."""
    if not folder.is_dir():
        raise ConfigError(f"archive: folder {folder} does not exist")
    return [read_archive_file(path) for path in sorted(folder.glob("*.txt"))]


def read_archive_file(path: Path) -> Article:
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return Article(
        url=archive_url(path),
        title=guess_title(lines) or path.stem,
        text=text,
        source=ARCHIVE_SOURCE,
        published=guess_date(lines),
    )


def guess_title(lines: list[str]) -> str | None:
    """The first line near the top that reads like a headline (5–25 words, not a dateline)."""
    for line in lines[:_HEAD_LINES]:
        words = _WORD.findall(line)
        if 5 <= len(words) <= 25 and not line.lower().startswith(("date ", "by ", "posted")):
            return line
    return None


def guess_date(lines: list[str]) -> date | None:
    """The earliest date near the top: later ones are usually print or update dates."""
    found = [d for d in (_date_in(line) for line in lines[:_HEAD_LINES]) if d is not None]
    return min(found, default=None)


def _date_in(line: str) -> date | None:
    iso = _ISO.search(line)
    if iso:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    written = _MONTH_DAY_YEAR.search(line)
    if written and written[1].lower() in _MONTHS:
        return _safe_date(int(written[3]), _MONTHS[written[1].lower()], int(written[2]))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
