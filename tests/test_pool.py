"""The batch's process pool when a worker dies: nothing lost, nothing twice, the culprit named."""

from __future__ import annotations

import os
import signal

import pytest

from extractor.results.pool import imap_surviving

# The pool talks to its forkserver over a Unix socket: local, not the network.
pytestmark = pytest.mark.block_network(allowed_hosts=[r".*/pymp-[^/]+/"])
KILLERS = {13, 31}


def double_or_die(items: list[int]) -> list[int]:
    if KILLERS & set(items):
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
    return [2 * i for i in items]


def test_a_worker_killed_costs_only_the_item_that_killed_it() -> None:
    got = list(imap_surviving(double_or_die, list(range(60)), 2, died=lambda i: -i))
    assert got == [-i if i in KILLERS else 2 * i for i in range(60)]  # in order, each once


def test_without_deaths_it_is_a_plain_ordered_map() -> None:
    assert list(imap_surviving(double_or_die, [0, 1, 2, 3, 4, 5, 6], 3, died=lambda i: None)) == [0, 2, 4, 6, 8, 10, 12]
    assert list(imap_surviving(double_or_die, [], 2, died=lambda i: None)) == []


def die_while_answering(items: list[int]) -> list[object]:
    if 7 in items:  # killed in the middle of sending a large result back: half a message in the pipe
        import threading

        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()
        return [b"x" * 300_000_000 for _ in items]
    return [2 * i for i in items]


def test_a_worker_killed_while_sending_its_result_does_not_hang_the_batch() -> None:
    import threading

    got: list[object] = []
    done = threading.Event()

    def run() -> None:
        got.extend(imap_surviving(die_while_answering, list(range(12)), 2, died=lambda i: "died"))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(180), "the batch hung on half a result"
    assert got == ["died" if i == 7 else 2 * i for i in range(12)]
