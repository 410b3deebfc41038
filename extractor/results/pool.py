"""A process pool for batches that survives its workers dying.

multiprocessing.Pool waits for ever for the result of a worker that was killed (the kernel's OOM
killer, a crash in C code, a signal), and concurrent.futures' pool can hang on half a result a dying
worker left in the queue all workers share. Here each worker is a process of the pool's own with a
pipe of its own: the pool always knows which chunk each worker holds, and a worker's death shows as
its process ending or its pipe closing, never as a stuck queue. The chunk a dead worker held is run
again one file at a time, so that a file that kills its worker again is named (`died`) and every
other file still gives its result. Input order is kept.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 4  # files per task: few round trips, and little to redo when a worker dies
STOP_SECONDS = 5.0  # how long a worker told to stop may take before it is killed


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


def _serve(conn: Connection, work: Callable[[list[T]], list[R]], initializer: Callable[[], None] | None) -> None:
    """A worker: chunks in, results out, until told to stop (None) or its pipe closes."""
    if initializer is not None:
        initializer()
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        conn.send(work(chunk))


class _Worker:
    def __init__(self, ctx: multiprocessing.context.BaseContext, work: Callable, initializer: Callable | None) -> None:
        self.conn, theirs = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(target=_serve, args=(theirs, work, initializer), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        theirs.close()  # only the worker holds its end now: its death closes the pipe
        self.chunk: list[int] | None = None  # the item indices it holds (negative: one suspect, alone)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(STOP_SECONDS)
        self.kill()

    def kill(self) -> None:
        if self.process.exitcode is None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.join()
        self.conn.close()


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
        self.suspects: deque[int] = deque()  # held by a worker that died: each runs again alone
        self.results: dict[int, R] = {}

    def __iter__(self) -> Iterator[R]:
        if not self.items:
            return
        ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        pool = [_Worker(ctx, self.work, self.initializer) for _ in range(min(self.workers, len(self.todo)))]
        emitted = 0
        try:
            while emitted < len(self.items):
                for w in pool:
                    if w.chunk is None:
                        self._feed(w)
                self._collect(pool, ctx)
                while emitted in self.results:
                    yield self.results.pop(emitted)
                    emitted += 1
        finally:
            for w in pool:
                w.stop() if w.chunk is None else w.kill()

    def _feed(self, w: _Worker) -> None:
        if self.suspects:
            i = self.suspects.popleft()
            chunk = [-1 - i]
        elif self.todo:
            chunk = self.todo.popleft()
        else:
            return
        # A worker that died idle fails the send; _collect then sees its pipe's end and gives the chunk back.
        with contextlib.suppress(OSError):
            w.conn.send([self.items[i if i >= 0 else -1 - i] for i in chunk])
        w.chunk = chunk

    def _collect(self, pool: list[_Worker], ctx: multiprocessing.context.BaseContext) -> None:
        """Wait for a result or a death; a dead worker is replaced."""
        busy = [w for w in pool if w.chunk is not None]
        ready = wait([x for w in busy for x in (w.conn, w.process.sentinel)])
        for k, w in enumerate(pool):
            if w.chunk is None or (w.conn not in ready and w.process.sentinel not in ready):
                continue
            try:
                results = w.conn.recv() if w.conn.poll() else None
            except (EOFError, OSError):  # the pipe closed in the middle of a result: it died answering
                results = None
            if results is not None:
                self._keep(w.chunk, results)
                w.chunk = None
                continue
            self._lost(w.chunk)
            w.chunk = None
            w.kill()
            pool[k] = _Worker(ctx, self.work, self.initializer)

    def _keep(self, chunk: list[int], results: list[R]) -> None:
        for i, r in zip(chunk, results, strict=True):
            self.results[i if i >= 0 else -1 - i] = r

    def _lost(self, chunk: list[int]) -> None:
        """The chunk of a worker that died: its items run again alone; an item that was alone is named."""
        if chunk[0] < 0:
            i = -1 - chunk[0]
            self.results[i] = self.died(self.items[i])
        else:
            self.suspects.extend(chunk)
