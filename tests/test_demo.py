"""The offline demo's outcome: one alert, for the new announcement, with both outlets."""

from __future__ import annotations

from pathlib import Path

from rdwatch import pipeline
from rdwatch.config import load_config
from rdwatch.demo import run_demo
from rdwatch.models import RunSummary
from rdwatch.store import Database
from rdwatch.store.articles import export_records


def _run_without_prefect(config_path: Path) -> RunSummary:
    return pipeline.run_once(load_config(config_path))


def test_demo_alerts_once_for_the_new_announcement_with_both_outlets(tmp_path: Path) -> None:
    result = run_demo(tmp_path, _run_without_prefect)

    first, second = result.summaries
    assert first.sources_failed == () and second.sources_failed == ()
    assert first.alerts_sent == 1, first
    assert second.alerts_sent == 0, second
    [alert] = result.alerts
    assert "RISC-V" in alert["title"]
    body = alert["body"]
    assert "Pacific Business Review" in body and "Asia Tech Ledger" in body, body
    assert "reported by 2 independent outlets" in body
    assert "RMB 2 bn (≈ US$280 m)" in body and "US$280 million" not in body
    assert "Chen Wei, head of computing technology" in body
    assert len(result.previews) == 1
    preview = result.previews[0].read_text(encoding="utf-8")
    assert "<table" in preview and "Reported by 2 independent outlets" in preview
    assert "+1 syndicated copy" in preview  # wave 2's copy, folded under the two outlets

    config = load_config(result.config_path)
    db = Database(config.database_url)
    try:
        with db.session() as session:
            records = {r["url"].rsplit("/", 1)[-1]: r for r in export_records(session)}
    finally:
        db.dispose()
    assert records["sztech-15b-reprint.html"]["status"] == "duplicate"
    assert records["sztech-15b-reprint.html"]["duplicate_of"].startswith("archive://001")
    assert records["pbr-rd-spending.html"]["status"] == "same_story"
    assert records["pbr-rd-spending.html"]["notable"] is False
    assert records["asialedger-xuantie-lab.html"]["status"] == "same_story"
    assert records["sztech-xuantie-syndicated.html"]["status"] == "duplicate"
    for routine in (
        "sztech-singles-day.html",
        "kjxw-damo-trends.html",
        "asialedger-cloud-outage.html",
    ):
        assert records[routine]["notable"] is False, records[routine]
