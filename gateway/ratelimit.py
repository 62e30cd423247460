"""Token buckets per key (client IP, user). ``hit`` returns 0 when allowed, else the
seconds until the next token (the Retry-After). In memory: one gateway process;
replicas would share buckets through Redis (DESIGN.md, scale-out)."""

from __future__ import annotations

import math
import time

from gateway.config import Bucket

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, bucket: Bucket) -> None:
        self.rate = bucket.rate_per_s
        self.burst = float(bucket.burst)
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated)

    def hit(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        tokens, updated = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) * self.rate)
        if tokens >= 1:
            self._set(key, tokens - 1, now)
            return 0
        self._set(key, tokens, now)
        return max(1, math.ceil((1 - tokens) / self.rate))

    def _set(self, key: str, tokens: float, now: float) -> None:
        if len(self._state) >= MAX_KEYS and key not in self._state:
            # drop full buckets: they carry no state worth keeping
            full = [k for k, (t, u) in self._state.items()
                    if t + (now - u) * self.rate >= self.burst]
            for k in full:
                del self._state[k]
            if len(self._state) >= MAX_KEYS:
                self._state.clear()
        self._state[key] = (tokens, now)
