"""Run reports: the run-summary artifact names every failed source without its password."""

from __future__ import annotations

from pathlib import Path

from rdwatch import pipeline as core
from rdwatch.config import parse_config
from rdwatch.report import summary_markdown
from tests.conftest import make_config_data
from tests.test_cli_untrusted import hostile_sources


def test_the_run_summary_artifact_redacts_source_passwords(tmp_path: Path) -> None:
    with hostile_sources() as base:
        private = base.replace("://", "://reader:s3cret-pw@")
        config = parse_config(
            make_config_data(
                tmp_path,
                archive=None,
                sources=[
                    {"name": "private", "url": f"{private}/members.xml"},
                    {"name": "refused", "url": "http://reader:s3cret-pw@127.0.0.1:9/feed"},
                    {"name": "broken", "url": f"{base}/gone.xml"},
                ],
                fetch={"allow_private_addresses": True, "retries": 0},
            )
        )
        summary = core.run_once(config)
    artifact = summary_markdown(summary)
    assert len(summary.sources_failed) == 3, artifact
    assert f"| private | {base.replace('://', '://reader:***@')}/members.xml |" in artifact
    assert "| refused | http://reader:***@127.0.0.1:9/feed |" in artifact, artifact
    assert "| broken |" in artifact and "HTTP 404 Not [/red] Found" in artifact
    assert "s3cret-pw" not in artifact
