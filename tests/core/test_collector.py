"""`core.collector.fewer_collections`: the collector runs less often inside, and its
settings come back whatever happens."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from posventa.core.collector import BATCH_THRESHOLD, fewer_collections


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_youngest_generation_is_collected_less_often_inside_and_as_before_after() -> None:
    with fewer_collections():
        assert gc.get_threshold() == (BATCH_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_restore_only_when_the_outermost_ends() -> None:
    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] == BATCH_THRESHOLD
    assert gc.get_threshold() == (700, 10, 10)


def test_an_error_inside_still_restores_the_thresholds() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("chunk failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_blocks_in_two_threads_leave_the_original_thresholds() -> None:
    first_inside, second_done, seen = threading.Event(), threading.Event(), []

    def first() -> None:
        with fewer_collections():
            first_inside.set()
            second_done.wait(5)
            seen.append(gc.get_threshold()[0])  # the second's exit did not restore

    def second() -> None:
        first_inside.wait(5)
        with fewer_collections():
            pass
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen == [BATCH_THRESHOLD]
    assert gc.get_threshold() == (700, 10, 10)


def test_a_collector_switched_off_by_threshold_stays_off() -> None:
    gc.set_threshold(0)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
