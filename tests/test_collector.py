"""The cyclic collector is paused for a block and back on after it, even when the block fails."""

from __future__ import annotations

import gc

import pytest

from rdwatch import collector


def test_the_collector_is_off_inside_the_block_and_on_after_it() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_block_still_turns_the_collector_back_on() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("a batch failed")
    assert gc.isenabled()


def test_a_block_inside_a_paused_one_leaves_it_paused() -> None:
    with collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_lived_before_the_first_pause_is_frozen_once() -> None:
    collector.freeze_long_lived()
    frozen = gc.get_freeze_count()
    collector.freeze_long_lived()
    assert frozen > 0 and gc.get_freeze_count() == frozen
