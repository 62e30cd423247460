"""The engine process: storage, the engine core, metrics, the gRPC server and
the chain layer, started and stopped in order (``arbx serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from engine import metrics
from engine.api.server import ApiServer
from engine.config import EngineConfig
from engine.core.engine import Engine
from engine.execution import build_executor
from engine.execution.gate import ModelGate
from engine.store import Store

if TYPE_CHECKING:
    from engine.models.serving import EngineModels

log = logging.getLogger(__name__)

# The chain layer's entry point: ``engine.chain.run(engine, config)``, a
# coroutine that syncs every configured chain into the engine until cancelled.
ChainRunner = Callable[[Engine, EngineConfig], Awaitable[None]]


def find_chain_runner() -> ChainRunner:
    """The chain layer's entry point (imported here so that tests can run the API without it)."""
    from engine.chain import run

    return run


class EngineApp:
    def __init__(self, config: EngineConfig, *, chain_runner: ChainRunner | None = None) -> None:
        self.config = config
        self.store = Store(config.store)
        self.engine = Engine(config, recorder=self.store)
        self.models: EngineModels | None = None
        if config.models.enabled:  # imported only then: onnxruntime loads in a second or so
            from engine.models.serving import build as build_models

            self.models = build_models(config.models)
        if self.models is not None:
            self.engine.observers.append(self.models)
        self.executor = build_executor(self.engine, config)
        models = self.models
        # the strategy's model decision: the verdict each published opportunity carries, and
        # the execution gate that enforces it (skips opportunities through anomalous pools)
        self.gate = (ModelGate(models.anomaly, lambda: models.anomaly_threshold,
                               skip_anomalous=config.models.skip_anomalous)
                     if models is not None else None)
        if self.gate is not None:
            self.engine.scorer = self.gate
            if self.executor is not None:
                self.executor.gate = self.gate
        self.api = ApiServer(self.engine, self.store, config.api, config.auth, self.executor,
                             self.models)
        self.metrics_port: int | None = None
        self._chain_runner = chain_runner
        self._chain_task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return self.api.port

    async def start(self) -> None:
        if self.config.metrics.enabled:
            self.metrics_port = metrics.serve_metrics(self.config.metrics.host, self.config.metrics.port)
        if self.models is not None:
            self.models.start(self.config.models.watch_interval_s)  # follows champion promotions
        await self.api.start()
        if self._chain_runner is not None:
            self._chain_task = asyncio.create_task(self._chain_runner(self.engine, self.config))
        if self.executor is not None:
            # reconciles trades.db with the chains before it trades (or answers ExecuteOpportunity)
            await self.executor.start(auto=self.executor.config.auto_trade)
        log.info("engine serving", extra={
            "grpc_port": self.port, "metrics_port": self.metrics_port,
            "chains": [c.chain_id for c in self.config.chains],
            "chain_layer": self._chain_runner is not None,
            "execution": self.executor.mode.value if self.executor else None,
            "models": self.models.versions() if self.models else None,
        })

    async def stop(self) -> None:
        if self._chain_task is not None:
            self._chain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._chain_task
        if self.executor is not None:
            await self.executor.stop()
        await self.api.stop()
        if self.models is not None:
            await asyncio.to_thread(self.models.close)
        await asyncio.to_thread(self.store.close)
        if self.executor is not None:
            await asyncio.to_thread(self.executor.store.close)

    async def serve_forever(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
