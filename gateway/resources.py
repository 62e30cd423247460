"""The gateway process's own resource use (``GET /admin/resources``, the dashboard's
Health page); the same fields as the engine's ProcessResources in GetStats."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True, slots=True)
class ResourceUse:
    rss_bytes: int
    cpu_percent: float  # since the previous sample, percent of one core
    cpu_seconds: float  # user + system since the process started
    threads: int
    open_files: int  # file descriptors (files, sockets, pipes)
    uptime_seconds: int


class ResourceMonitor:
    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first call only starts the measurement

    def sample(self) -> ResourceUse:
        p = self._process
        with p.oneshot():
            cpu = p.cpu_times()
            return ResourceUse(
                rss_bytes=p.memory_info().rss,
                cpu_percent=p.cpu_percent(None),
                cpu_seconds=cpu.user + cpu.system,
                threads=p.num_threads(),
                open_files=p.num_fds(),
                uptime_seconds=max(0, int(time.time() - p.create_time())),
            )
