"""A process pool for batches that survives its workers dying.

multiprocessing.Pool waits for ever for the result of a worker that was killed (the kernel's OOM
killer, a crash in C code, a signal): one bad file would hang the batch. Here each chunk of files is
a future of a ProcessPoolExecutor. When a worker dies the pool breaks; the files that were in flight
become suspects and run again in a new pool one at a time, alone, so that a file that kills its
worker again is named (`died`) and every other file still gives its result. Input order is kept.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 4  # files per task: few round trips, and little to redo when a worker dies
AHEAD = 4  # tasks queued per worker, so that the workers never wait for the parent
POLL = 5.0  # seconds between looks at the workers while nothing finishes


def _a_worker_died(pool: ProcessPoolExecutor) -> bool:
    # _processes is the executor's own table of its workers (no public accessor exists).
    processes = getattr(pool, "_processes", None) or {}
    return any(p.exitcode is not None for p in list(processes.values()))


def _close(pool: ProcessPoolExecutor, broken: bool) -> None:
    """A sound pool is shut down in order; a broken one is abandoned: its workers killed and nothing
    waited for, since waiting on a dead worker's queue is what can hang."""
    if not broken:
        pool.shutdown(wait=True)
        return
    for p in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            p.kill()
    _unstick(pool)
    pool.shutdown(wait=False, cancel_futures=True)


def _unstick(pool: ProcessPoolExecutor, seconds: float = 10.0) -> None:
    """A worker killed while writing its result leaves half a message in the result pipe, and the
    executor's manager thread waits for the rest for ever (and the interpreter waits for that thread
    at exit). Filler bytes complete the message; unpickling it fails, and the thread ends as for any
    broken pool. (Private attributes: the executor offers no way to do this.)"""
    thread = getattr(pool, "_executor_manager_thread", None)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if thread is None or writer is None or not thread.is_alive():
        return
    with contextlib.suppress(OSError, ValueError):
        fd = writer.fileno()
        os.set_blocking(fd, False)
        deadline = time.monotonic() + seconds
        while thread.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(BlockingIOError):
                os.write(fd, b"\0" * 65536)
            thread.join(0.02)


def imap_surviving(
    work: Callable[[list[T]], list[R]],
    items: Sequence[T],
    workers: int,
    died: Callable[[T], R],
    initializer: Callable[[], None] | None = None,
) -> Iterator[R]:
    """`work` over `items` in chunks on `workers` processes, results in input order. An item whose
    worker died while it ran alone gives `died(item)` instead."""
    return iter(_Surviving(work, items, workers, died, initializer))


class _Surviving(Generic[T, R]):
    def __init__(
        self,
        work: Callable[[list[T]], list[R]],
        items: Sequence[T],
        workers: int,
        died: Callable[[T], R],
        initializer: Callable[[], None] | None,
    ) -> None:
        self.work, self.items, self.workers, self.died, self.initializer = work, items, workers, died, initializer
        self.todo: deque[list[int]] = deque(
            list(range(start, min(start + CHUNK, len(items)))) for start in range(0, len(items), CHUNK)
        )
        self.suspects: deque[int] = deque()  # in flight when a worker died: each runs alone
        self.results: dict[int, R] = {}

    def __iter__(self) -> Iterator[R]:
        ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        emitted = 0
        while emitted < len(self.items):
            pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=self.initializer)
            inflight: dict[Future[list[R]], list[int]] = {}
            broken = False
            try:
                while self.todo or self.suspects or inflight:
                    if not self._step(pool, inflight):
                        broken = True
                        break  # the pool broke: a new one takes over
                    while emitted in self.results:
                        yield self.results.pop(emitted)
                        emitted += 1
            finally:
                _close(pool, broken)
            while emitted in self.results:
                yield self.results.pop(emitted)
                emitted += 1

    def _step(self, pool: ProcessPoolExecutor, inflight: dict[Future[list[R]], list[int]]) -> bool:
        """Feed the pool, take one round of finished tasks; False when the pool broke."""
        try:
            if self.suspects:
                if not inflight:  # a suspect runs with nothing else in flight: a death is its own
                    i = self.suspects.popleft()
                    inflight[pool.submit(self.work, [self.items[i]])] = [-1 - i]  # negative: alone
            else:
                while self.todo and len(inflight) < self.workers * AHEAD:
                    chunk = self.todo.popleft()
                    inflight[pool.submit(self.work, [self.items[i] for i in chunk])] = chunk
        except BrokenProcessPool:
            self._broken(inflight)
            return False
        if not inflight:
            return True
        done, _ = wait(inflight, timeout=POLL, return_when=FIRST_COMPLETED)
        if not done and _a_worker_died(pool):
            # The executor should have noticed (BrokenProcessPool); when it is itself stuck on the dead
            # worker's queue, this notices instead.
            self._broken(inflight)
            return False
        for future in done:
            chunk = inflight.pop(future)
            try:
                self._keep(chunk, future.result())
            except BrokenProcessPool:
                inflight[future] = chunk
                self._broken(inflight)
                return False
        return True

    def _keep(self, chunk: list[int], results: list[R]) -> None:
        for i, r in zip(chunk, results, strict=True):
            self.results[i if i >= 0 else -1 - i] = r

    def _broken(self, inflight: dict[Future[list[R]], list[int]]) -> None:
        for future, chunk in inflight.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                self._keep(chunk, future.result())
            elif chunk[0] < 0:  # it ran alone and its worker died: this item kills workers
                i = -1 - chunk[0]
                self.results[i] = self.died(self.items[i])
            else:
                self.suspects.extend(chunk)
        inflight.clear()
