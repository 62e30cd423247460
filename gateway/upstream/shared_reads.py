"""SharedReads: the answers of engine reads that do not depend on the caller (status,
tokens, pools), kept for ``max_age_s`` and shared by every caller.

Many dashboard users ask for the same engine state; without this each request is
a gRPC round trip and a token check in the engine (about half of the gateway's and
all of the engine's CPU per REST request). Concurrent misses of one key share a
single call (run as a task of its own, so a caller that goes away does not cancel
it for the others). Failures are not kept. ``clear`` (after a call that changes the
engine, e.g. SetMode) drops every answer, and calls already in flight are not kept
either, so a caller reads its own writes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MAX_KEYS = 1024  # distinct requests kept (filters: chain ids, tokens, pools)


class SharedReads:
    def __init__(self, max_age_s: float, on_read: Callable[[str], None] | None = None) -> None:
        self.max_age_s = max_age_s
        self._on_read = on_read  # "cache" or "engine", for the metrics
        self._answers: dict[Hashable, tuple[float, Any]] = {}
        self._pending: dict[Hashable, asyncio.Task[Any]] = {}
        self._generation = 0

    @property
    def enabled(self) -> bool:
        return self.max_age_s > 0

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> Any:
        kept = self._answers.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.max_age_s:
            self._count("cache")
            return kept[1]
        task = self._pending.get(key)
        if task is None:
            self._count("engine")
            task = asyncio.ensure_future(self._fetch(key, fetch, self._generation))
            task.add_done_callback(_retrieve)
            self._pending[key] = task
        else:
            self._count("cache")
        return await asyncio.shield(task)

    async def _fetch(self, key: Hashable, fetch: Callable[[], Awaitable[Any]],
                     generation: int) -> Any:
        # stamped when asked: the answer is at least as fresh as this
        asked = time.monotonic()
        try:
            answer = await fetch()
        finally:
            self._pending.pop(key, None)
        if generation == self._generation:
            if len(self._answers) >= MAX_KEYS:
                self._answers.clear()
            self._answers[key] = (asked, answer)
        return answer

    def clear(self) -> None:
        self._answers.clear()
        self._pending.clear()  # their answers may predate the change: not kept, not joined
        self._generation += 1

    def _count(self, source: str) -> None:
        if self._on_read is not None:
            self._on_read(source)


def _retrieve(task: asyncio.Task[Any]) -> None:
    # its callers may all have gone: a failure is theirs, not an unretrieved-exception log
    if not task.cancelled():
        task.exception()
