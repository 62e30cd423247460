"""Latency samples of the pipeline's stages, kept in memory for GetStats.

Stages (``STAGES``):
- ``block_to_opportunities``: a block's logs observed -> its opportunities published
  (the engine core, every applied block);
- ``opportunity_to_send``: opportunities published -> the trade's transaction handed
  to the node (the executor's own loop; a trade asked for over the API is left out,
  its wait is the caller's);
- ``send_to_mined``: a transaction sent -> its receipt seen (mined or reverted).

Bounded per stage: a ring of the last ``window`` samples (the percentiles), and
one summary per minute for the last ``buckets`` minutes (the series). A minute's
p50 / p99 come from at most ``bucket_samples`` of its samples, a uniform
reservoir, so a busy minute costs no more memory than a quiet one.

Recorded and read on the event loop (not thread-safe); each call is short.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

STAGES = ("block_to_opportunities", "opportunity_to_send", "send_to_mined")
MINUTE_NS = 60 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Percentiles of one stage over its recent samples (all 0 without samples)."""

    stage: str
    samples: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True, slots=True)
class LatencyBucket:
    """Percentiles of one stage over one minute (``start_ns``: the minute's first ns)."""

    start_ns: int
    stage: str
    samples: int
    p50_ms: float
    p99_ms: float


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0 < q <= 1) of ascending ``ordered``; 0 when empty."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(slots=True)
class _Minute:
    start_ns: int
    count: int = 0
    kept: list[float] = field(default_factory=list)

    def add(self, ms: float, limit: int, rng: random.Random) -> None:
        self.count += 1
        if len(self.kept) < limit:
            self.kept.append(ms)
        else:  # reservoir sampling: each of the minute's samples kept with equal chance
            slot = rng.randrange(self.count)
            if slot < limit:
                self.kept[slot] = ms

    def summary(self, stage: str) -> LatencyBucket:
        ordered = sorted(self.kept)
        return LatencyBucket(self.start_ns, stage, self.count, percentile(ordered, 0.5),
                             percentile(ordered, 0.99))


class LatencyRecorder:
    def __init__(self, *, window: int = 10_000, buckets: int = 24 * 60,
                 bucket_samples: int = 2048, seed: int | None = None) -> None:
        if window < 1 or buckets < 1 or bucket_samples < 1:
            raise ValueError("window, buckets and bucket_samples must be at least 1")
        self._bucket_samples = bucket_samples
        self._recent: dict[str, deque[float]] = {s: deque(maxlen=window) for s in STAGES}
        self._closed: dict[str, deque[LatencyBucket]] = {s: deque(maxlen=buckets) for s in STAGES}
        self._open: dict[str, _Minute | None] = dict.fromkeys(STAGES)
        self._rng = random.Random(seed)

    def record(self, stage: str, elapsed_ns: int, *, at_ns: int | None = None) -> None:
        """One sample of ``stage`` that took ``elapsed_ns`` and ended at ``at_ns`` (now)."""
        if stage not in self._recent:
            raise ValueError(f"unknown latency stage {stage!r} (one of {', '.join(STAGES)})")
        ms = max(0, elapsed_ns) / 1e6
        self._recent[stage].append(ms)
        at = time.time_ns() if at_ns is None else at_ns
        minute = self._minute(stage, at - at % MINUTE_NS)
        minute.add(ms, self._bucket_samples, self._rng)

    def _minute(self, stage: str, start_ns: int) -> _Minute:
        current = self._open[stage]
        if current is not None and current.start_ns == start_ns:
            return current
        if current is not None and start_ns < current.start_ns:
            return current  # a late sample (clock step back): counted in the open minute
        if current is not None:
            self._closed[stage].append(current.summary(stage))
        current = self._open[stage] = _Minute(start_ns)
        return current

    def summaries(self) -> list[LatencySummary]:
        """Every stage, in ``STAGES`` order, over its last ``window`` samples."""
        out = []
        for stage in STAGES:
            ordered = sorted(self._recent[stage])
            out.append(LatencySummary(
                stage, len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9),
                percentile(ordered, 0.99), ordered[-1] if ordered else 0.0,
            ))
        return out

    def series(self, max_points: int) -> list[LatencyBucket]:
        """Per-minute percentiles, oldest first: at most ``max_points`` minutes of each
        stage (its newest), the minute in progress included; minutes without samples
        have no point."""
        out: list[LatencyBucket] = []
        for stage in STAGES:
            points = list(self._closed[stage])
            current = self._open[stage]
            if current is not None:
                points.append(current.summary(stage))
            out.extend(points[-max_points:] if max_points > 0 else [])
        out.sort(key=lambda b: (b.start_ns, STAGES.index(b.stage)))
        return out
