"""Bounded fan-out of engine events to subscribers that never blocks the engine.

Each subscriber has a bounded buffer. ``publish`` appends without waiting;
when a subscriber's buffer is full its backlog is discarded and it is told to
resync: its next ``get`` returns ``Resync(dropped)``, and the reader sends a
fresh snapshot of the current state instead of the stale events (conflation:
a slow reader skips intermediate states, never sees a wrong one). Runs on the
event loop thread only.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resync:
    """The subscriber fell behind; ``dropped`` events were discarded."""

    dropped: int


class Subscription(Generic[T]):
    def __init__(self, hub: Hub[T], maxsize: int) -> None:
        self._hub = hub
        self._maxsize = maxsize
        self._buffer: deque[T] = deque()
        self._ready = asyncio.Event()
        self._dropped = 0
        self.closed = False

    def _push(self, event: T) -> None:
        if self._dropped or len(self._buffer) >= self._maxsize:
            self._dropped += len(self._buffer) + 1
            self._buffer.clear()
        else:
            self._buffer.append(event)
        self._ready.set()

    async def get(self) -> T | Resync:
        while not self._buffer and not self._dropped:
            self._ready.clear()
            await self._ready.wait()
        if self._dropped:
            dropped, self._dropped = self._dropped, 0
            return Resync(dropped)
        return self._buffer.popleft()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub._subscribers.discard(self)

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub(Generic[T]):
    """One event type's subscribers."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._subscribers: set[Subscription[T]] = set()
        self.dropped_total = 0

    def subscribe(self) -> Subscription[T]:
        sub = Subscription(self, self.maxsize)
        self._subscribers.add(sub)
        return sub

    def publish(self, event: T) -> None:
        for sub in self._subscribers:
            before = sub._dropped
            sub._push(event)
            self.dropped_total += sub._dropped - before

    def __len__(self) -> int:
        return len(self._subscribers)
