"""Topics: one upstream per topic, shared by all its clients.

A topic numbers its events (``seq``, +1 each) within an ``epoch`` (random, new at
every gateway start: sequence numbers of another gateway run mean nothing here),
keeps the last ``replay_size`` encoded events for resumes, and the current state
(for snapshots). The upstream runs while the topic has subscribers (plus
``idle_upstream_s``), reconnecting with capped exponential backoff; after a
reconnect the engine's snapshot arrives as an ordinary event with
``data.snapshot = true``.

Each event is encoded once and the same string is queued to every client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio

from gateway.auth.roles import TOPIC_ROLES
from gateway.config import GatewayConfig
from gateway.gen.arbitrage.v1 import engine_pb2 as pb
from gateway.metrics import GatewayMetrics
from gateway.upstream import EngineClient
from gateway.upstream.client import GATEWAY_SUBJECT
from gateway.upstream.convert import to_dict
from gateway.ws.protocol import encode, error

if TYPE_CHECKING:
    from gateway.ws.client import Client

log = logging.getLogger(__name__)

# Topics whose engine stream does not exist yet: subscribing answers an error that
# names the missing RPC, rather than a fake stream (none at the moment).
MISSING_UPSTREAM: dict[str, str] = {}
# The engine refuses the stream itself (e.g. StreamTrades of an engine without
# execution): its subscribers are told once, with the engine's reason, while the
# topic keeps retrying with backoff (the engine may be restarted with it configured).
REFUSED = {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.UNIMPLEMENTED,
           grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED}


class Topic(ABC):
    name: str

    def __init__(self, engine: EngineClient, config: GatewayConfig,
                 metrics: GatewayMetrics) -> None:
        self.engine = engine
        self.config = config
        self.metrics = metrics
        self.role = TOPIC_ROLES[self.name]
        self.epoch = secrets.token_hex(6)
        self.seq = 0
        self.replay: deque[tuple[int, str]] = deque(maxlen=config.websocket.replay_size)
        self.clients: set[Client] = set()
        self.connected = False
        self.reconnects = 0
        self.refusal: str | None = None  # the engine's reason while it refuses the stream
        self._task: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None

    # --- state -------------------------------------------------------------------

    @abstractmethod
    def state(self) -> Any:
        """The topic's current state (the data of a snapshot message)."""

    @abstractmethod
    async def run_upstream(self) -> None:
        """Read the upstream until it ends or fails; ``self.publish`` each event."""

    def publish(self, data: Any) -> None:
        self.seq += 1
        text = encode({"type": "event", "topic": self.name, "epoch": self.epoch,
                       "seq": self.seq, "data": data})
        self.replay.append((self.seq, text))
        self.metrics.ws_messages.labels(self.name).inc()
        for client in list(self.clients):
            client.offer(self.name, text)

    def snapshot(self, dropped: int = 0) -> str:
        return encode({"type": "snapshot", "topic": self.name, "epoch": self.epoch,
                       "seq": self.seq, "data": self.state(), "dropped": dropped})

    def since(self, epoch: str, seq: int) -> list[str] | None:
        """The events after ``seq``, or None when they are no longer all kept."""
        if epoch != self.epoch or seq > self.seq or seq < 0:
            return None
        if seq == self.seq:
            return []
        if not self.replay or self.replay[0][0] > seq + 1:
            return None
        return [text for s, text in self.replay if s > seq]

    # --- subscribers and the upstream's life -------------------------------------

    def add(self, client: Client) -> None:
        self.clients.add(client)
        if self.refusal is not None:
            client.send(error("upstream_refused", self.refusal, self.name))
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._supervise(), name=f"upstream-{self.name}")

    def remove(self, client: Client) -> None:
        self.clients.discard(client)
        if not self.clients and self._task is not None and self._idle is None:
            delay = self.config.websocket.idle_upstream_s
            self._idle = asyncio.get_running_loop().call_later(delay, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        self._idle = None
        if not self.clients and self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _supervise(self) -> None:
        backoff = 0.1
        cap = self.config.engine.reconnect_max_s
        while True:
            try:
                await self.run_upstream()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except grpc.aio.AioRpcError as exc:
                self.metrics.engine_errors.labels(exc.code().name.lower()).inc()
                log.warning("upstream stream failed", extra={
                    "topic": self.name, "code": exc.code().name, "details": exc.details()})
                if exc.code() in REFUSED:
                    self._refused(f"engine: {exc.details() or exc.code().name}")
            except Exception:
                log.exception("upstream stream error", extra={"topic": self.name})
            finally:
                if self.connected:
                    self.connected = False
                    self.metrics.upstream_streams.dec()
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(cap, backoff * 2)

    def _refused(self, reason: str) -> None:
        if reason != self.refusal:  # once per reason, not at every retry
            self.refusal = reason
            text = error("upstream_refused", reason, self.name)
            for client in list(self.clients):
                client.send(text)

    def _connected(self) -> None:
        self.refusal = None
        if not self.connected:
            self.connected = True
            self.metrics.upstream_streams.inc()

    async def _read(self, call: grpc.aio.UnaryStreamCall,
                    on_message: Callable[[Any], Any]) -> None:
        try:
            async for message in call:
                self._connected()
                self.metrics.upstream_events.labels(self.name).inc()
                data = on_message(message)
                if data is not None:
                    self.publish(data)
        finally:
            call.cancel()


class OpportunitiesTopic(Topic):
    """StreamOpportunities; state: each chain's current opportunities."""

    name = "opportunities"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.current: dict[int, list[dict[str, Any]]] = {}

    def state(self) -> Any:
        return {"opportunities": [o for c in sorted(self.current) for o in self.current[c]]}

    def _on_batch(self, batch: pb.OpportunityBatch) -> dict[str, Any]:
        data = to_dict(batch)
        if batch.snapshot:
            self.current = {}
            for o in data["opportunities"]:
                self.current.setdefault(o["chain_id"], []).append(o)
        else:
            self.current[batch.chain_id] = data["opportunities"]
        return data

    async def run_upstream(self) -> None:
        call = self.engine.stream("StreamOpportunities", pb.StreamOpportunitiesRequest())
        await self._read(call, self._on_batch)


class PricesTopic(Topic):
    """StreamPrices; state: every pool's latest price."""

    name = "prices"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.latest: dict[tuple[int, str], dict[str, Any]] = {}

    def state(self) -> Any:
        return {"prices": [self.latest[k] for k in sorted(self.latest)]}

    def _on_update(self, update: pb.PriceUpdate) -> dict[str, Any]:
        data = to_dict(update)
        if update.snapshot:
            self.latest = {}
        for p in data["prices"]:
            self.latest[(p["chain_id"], p["pool"])] = p
        return data

    async def run_upstream(self) -> None:
        call = self.engine.stream("StreamPrices", pb.StreamPricesRequest())
        await self._read(call, self._on_update)


class StatusTopic(Topic):
    """GetStatus polled every ``engine.status_poll_s`` (the engine has no status
    stream); an event when anything but the uptime changed."""

    name = "status"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.last: dict[str, Any] | None = None

    def state(self) -> Any:
        return self.last

    async def run_upstream(self) -> None:
        while True:
            status = await self.engine.stub.GetStatus(
                pb.GetStatusRequest(), timeout=self.config.engine.timeout_s,
                metadata=self.engine.metadata(GATEWAY_SUBJECT, "viewer"))
            self._connected()
            data = to_dict(status)
            if self.last is None or {**data, "uptime_seconds": 0} != {
                    **self.last, "uptime_seconds": 0}:
                self.last = data
                self.publish(data)
            await asyncio.sleep(self.config.engine.status_poll_s)


class TradesTopic(Topic):
    """StreamTrades: one event per status change of any trade (``data``: the
    TradeUpdate, ``data.trade`` with its history); state: the trades in flight."""

    name = "trades"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.open: dict[str, dict[str, Any]] = {}

    def state(self) -> Any:
        return {"trades": sorted(self.open.values(),
                                 key=lambda t: (t["created_unix_nanos"], t["id"]))}

    def _on_update(self, update: pb.TradeUpdate) -> dict[str, Any]:
        data = to_dict(update)
        trade = data["trade"]
        if trade is not None:
            if trade["final"]:
                self.open.pop(trade["id"], None)
            else:
                self.open[trade["id"]] = trade
        return data

    async def run_upstream(self) -> None:
        call = self.engine.stream("StreamTrades", pb.StreamTradesRequest())
        # the engine sends every trade in flight first (``snapshot``): the state restarts
        self.open = {}
        await self._read(call, self._on_update)


class PredictionsTopic(Topic):
    """StreamPredictions of every pool, one stream per chain of the engine (the chains
    from GetStatus), all shared by the topic's clients: one event per chain and block
    the models observe (``data``: the PredictResponse, every pool of that chain);
    state: each pool's latest prediction. An engine without models refuses the
    streams (``upstream_refused`` with its reason)."""

    name = "predictions"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.latest: dict[tuple[int, str], dict[str, Any]] = {}
        self.thresholds: dict[int, float | None] = {}

    def state(self) -> Any:
        return {"predictions": [self.latest[k] for k in sorted(self.latest)],
                "anomaly_thresholds": {str(c): t for c, t in sorted(self.thresholds.items())}}

    def _on_response(self, response: pb.PredictResponse) -> dict[str, Any]:
        data = to_dict(response)
        self.thresholds[response.chain_id] = data["anomaly_threshold"]
        for p in data["predictions"]:
            self.latest[(p["chain_id"], p["pool"])] = p
        return data

    async def run_upstream(self) -> None:
        status = await self.engine.stub.GetStatus(
            pb.GetStatusRequest(), timeout=self.config.engine.timeout_s,
            metadata=self.engine.metadata(GATEWAY_SUBJECT, "viewer"))
        chains = sorted({c.chain_id for c in status.chains})
        if not chains:
            await asyncio.sleep(self.config.engine.status_poll_s)
            return
        # each stream starts with every pool's prediction now: the state restarts
        self.latest = {}
        self.thresholds = {}
        tasks = [asyncio.create_task(self._read(
            self.engine.stream("StreamPredictions", pb.StreamPredictionsRequest(chain_id=c)),
            self._on_response), name=f"upstream-predictions-{c}") for c in chains]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # the first failure, for the supervisor's backoff and refusal
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


TOPIC_TYPES: dict[str, type[Topic]] = {
    t.name: t for t in (OpportunitiesTopic, PricesTopic, StatusTopic, TradesTopic,
                        PredictionsTopic)
}
