"""Shards of a watch run spread over workers: the plan, a shard found again, what follows an end."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdwatch.cluster import (
    Next,
    ShardEnd,
    ShardReport,
    describe_shards,
    next_step,
    plan_shards,
    shard_of,
    shards_with,
)
from rdwatch.config import Config, parse_config
from rdwatch.errors import ConfigError
from tests.conftest import make_config_data


def _config(tmp_path: Path, sources: int, hosts: int, shards: int) -> Config:
    listed = [
        {"name": f"s{n}", "kind": "feed", "url": f"http://127.0.0.1:{8000 + n % hosts}/{n}.xml"}
        for n in range(sources)
    ]
    return parse_config(make_config_data(tmp_path, sources=listed, cluster={"shards": shards}))


def test_shards_are_whole_hosts_and_cover_every_source_once(tmp_path: Path) -> None:
    config = _config(tmp_path, sources=300, hosts=12, shards=6)
    shards = plan_shards(config)
    assert [s.label for s in shards] == [f"{k}-of-6" for k in range(1, 7)]
    names = [s.name for shard in shards for s in shard.sources]
    assert sorted(names) == sorted(s.name for s in config.sources)
    hosts = [h for shard in shards for h in shard.hosts]
    assert len(hosts) == len(set(hosts)) == 12, hosts  # no host in two shards
    assert {len(s.sources) for s in shards} == {50}


def test_a_shard_run_finds_the_shard_its_watch_run_planned(tmp_path: Path) -> None:
    config = _config(tmp_path, sources=30, hosts=5, shards=3)
    for shard in plan_shards(config):
        assert shard_of(config, shard.index, shard.count) == shard


def test_fewer_hosts_than_shards_make_fewer_shards(tmp_path: Path) -> None:
    config = _config(tmp_path, sources=10, hosts=2, shards=6)
    assert [s.label for s in plan_shards(config)] == ["1-of-2", "2-of-2"]
    with pytest.raises(ConfigError, match="shard 3 of 6 does not exist"):
        shard_of(config, 3, 6)


def test_a_scheduled_minute_runs_only_the_shards_holding_a_due_source(tmp_path: Path) -> None:
    config = _config(tmp_path, sources=30, hosts=5, shards=3)
    planned = plan_shards(config)
    due = {planned[1].sources[0].name}
    assert shards_with(planned, due) == [planned[1]]  # numbered as planned: "2-of-3"
    assert shards_with(planned, set()) == []


def test_no_sources_no_shards(tmp_path: Path) -> None:
    assert plan_shards(_config(tmp_path, sources=0, hosts=1, shards=4)) == []


def test_sharding_is_off_by_default(tmp_path: Path) -> None:
    assert parse_config(make_config_data(tmp_path)).cluster.shards == 0


@pytest.mark.parametrize(
    ("end", "attempts", "expected"),
    [
        (ShardEnd.COMPLETED, 1, Next.DONE),
        (ShardEnd.COMPLETED, 3, Next.DONE),
        (ShardEnd.LOST, 1, Next.RERUN),
        (ShardEnd.LOST, 2, Next.RERUN),
        (ShardEnd.LOST, 3, Next.GIVE_UP),
    ],
)
def test_a_lost_shard_runs_again_until_its_attempts_are_spent(
    end: ShardEnd, attempts: int, expected: Next
) -> None:
    assert next_step(end, attempts, max_attempts=3) is expected


def test_the_summary_names_re_run_and_unfinished_shards() -> None:
    reports = [
        ShardReport(1, 3, 2, 50, ("a",), ShardEnd.COMPLETED),
        ShardReport(2, 3, 2, 50, ("b", "b2"), ShardEnd.COMPLETED),
        ShardReport(3, 3, 2, 50, ("c", "c2", "c3"), ShardEnd.LOST),
    ]
    assert describe_shards(reports) == (
        "3 shard(s): 2 completed, 2 re-run (2-of-3, 3-of-3), 1 not completed"
    )
