"""One WebSocket connection: a bounded queue of encoded messages and the task that
sends them. Topics ``offer`` without waiting; a client whose queue is full never
slows the others: with ``slow_client: conflate`` its backlog is discarded and it
gets one fresh snapshot per subscribed topic instead (too many overflows in a row,
or a send stuck longer than ``send_timeout_s``, and it is closed with 4008); with
``slow_client: disconnect`` it is closed at the first overflow."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING

from starlette.websockets import WebSocket

from gateway.auth.roles import Principal
from gateway.config import WebSocketConfig
from gateway.metrics import GatewayMetrics
from gateway.ws.protocol import CLOSE_SLOW_CONSUMER

if TYPE_CHECKING:
    from gateway.ws.topics import Topic


class Client:
    def __init__(self, websocket: WebSocket, principal: Principal, ip: str,
                 config: WebSocketConfig, metrics: GatewayMetrics) -> None:
        self.id = secrets.token_hex(6)
        self.websocket = websocket
        self.principal = principal
        self.ip = ip
        self.config = config
        self.metrics = metrics
        self.connected_at = time.time()
        self.topics: dict[str, Topic] = {}
        self.queue: deque[str] = deque()
        self.resync: dict[str, int] = {}  # topic -> events discarded, snapshot owed
        self.conflations = 0
        self.sent = 0
        self.close_code: int | None = None
        self.close_reason = ""
        self._wake = asyncio.Event()

    # --- called by topics and the endpoint (never awaits) -------------------------

    def offer(self, topic: str, text: str) -> None:
        if self.close_code is not None:
            return
        if len(self.queue) >= self.config.queue_size:
            self._overflow()
            return
        self.metrics.ws_queue_depth.observe(len(self.queue))
        self.queue.append(text)
        self._wake.set()

    def send(self, text: str) -> None:
        """Queue a control message (subject to the same bound)."""
        self.offer("", text)

    def _overflow(self) -> None:
        if self.config.slow_client == "disconnect":
            self.close(CLOSE_SLOW_CONSUMER, "slow consumer: queue full")
            return
        self.conflations += 1
        if self.conflations > self.config.max_conflations:
            self.close(CLOSE_SLOW_CONSUMER, "slow consumer: conflated too often")
            return
        dropped = len(self.queue)
        self.queue.clear()
        for name in self.topics:
            self.metrics.ws_conflations.labels(name).inc()
            self.resync[name] = self.resync.get(name, 0) + dropped + 1
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code = code
            self.close_reason = reason
            self.metrics.ws_drops.labels(reason.split(":")[0].replace(" ", "_")).inc()
            self.queue.clear()
            self._wake.set()

    # --- the sender task -------------------------------------------------------------

    async def run_sender(self) -> None:
        timeout = self.config.send_timeout_s
        try:
            while self.close_code is None:
                if not self.queue and not self.resync:
                    self.conflations = 0  # fully drained: the client keeps up again
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                if self.resync:
                    owed, self.resync = self.resync, {}
                    for name, dropped in owed.items():
                        topic = self.topics.get(name)
                        if topic is not None:
                            self.queue.appendleft(topic.snapshot(dropped))
                text = self.queue.popleft()
                try:
                    async with asyncio.timeout(timeout):
                        await self.websocket.send_text(text)
                except TimeoutError:
                    self.close(CLOSE_SLOW_CONSUMER, "slow consumer: send timed out")
                    break
                self.sent += 1
        finally:
            if self.close_code is not None:
                with contextlib.suppress(Exception):
                    await self.websocket.close(self.close_code, self.close_reason)
