"""The engine trading on a devnet, driven from synchronous test code: the gateway's
trading tests (tests/test_gateway_trading.py) and the dashboard's browser test
(tests/test_dashboard_e2e.py).

- :class:`DevnetEngine`: the engine process's own composition (``engine.app.EngineApp``:
  SQLite store, chain layer, executor, gRPC server) on a loop thread of its own,
  following one anvil with real Uniswap bytecode and the executor contract
  (tests/execution_support.world, manual mining), its gRPC API accepting the gateway's
  RS256 tokens. Auto trading is off (``execution.auto_trade: false``): only an
  ExecuteOpportunity request trades, so every trade a test sees is one it asked for.
- :class:`MarketFeeder`: the devnet's market simulator (engine.devnet.market) on a
  thread: every period one step of noise swaps, gap-opening swaps and V3 liquidity
  changes, then one mined block. Paused, the chain stands still and a test mines
  the blocks it wants (the one with a trade the engine sent, and nothing else).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from engine.app import EngineApp, find_chain_runner
from engine.config import EnvSecrets, parse_config
from engine.devnet import keystore
from engine.devnet.market import ChainMarket, MarketOptions
from gateway.auth.keys import KeyRing
from tests.execution_support import PASSWORD, SEED, Trading, World, config_document
from tests.gateway_support import LoopThread

T = TypeVar("T")
# the audience and issuer of the gateway's tokens (gateway_support.gateway_settings' defaults)
GATEWAY_ISSUER, ENGINE_AUDIENCE = "arbx-gateway", "arbx-engine"


class DevnetEngine:
    """EngineApp following ``world``; ``execution`` overrides the execution config
    (``mode`` and so on). ``stop()`` may be called more than once."""

    def __init__(self, world: World, tmp: Path, ring: KeyRing, **execution: Any) -> None:
        os.environ[keystore.PASSWORD_ENV] = PASSWORD  # how `arbx serve` gets it too
        raw = config_document(world, tmp, **{"auto_trade": False, **execution})
        raw["auth"] = {"jwt": ring.engine_config(GATEWAY_ISSUER, ENGINE_AUDIENCE)}
        config = parse_config(raw, secrets=EnvSecrets())
        self.world = world
        self.trades_db = tmp / "trades.db"
        self.thread = LoopThread("devnet-engine")
        # grpc.aio objects belong to the loop they are made on
        self.app = self.thread.call(lambda: EngineApp(config, chain_runner=find_chain_runner()))
        self.running = True
        try:
            self.thread.run(self.app.start(), timeout=120)
            assert self.app.executor is not None, "the config has an execution section"
            self.trading = Trading(self.app.engine, self.app.executor, self.app.api, world)
            self.synced()
        except BaseException:
            self.stop()
            raise

    @property
    def port(self) -> int:
        return self.app.port

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return self.thread.run(coro, timeout)

    def synced(self) -> None:
        """Returns once the engine has applied the chain's latest block."""
        self.run(self.trading.synced(), timeout=120)

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        try:
            self.thread.run(self.app.stop(), timeout=60)
        finally:
            self.thread.stop()


class MarketFeeder:
    """The market simulator stepping ``world``'s chain, one mined block per step."""

    def __init__(self, world: World, options: MarketOptions, period_s: float = 0.4) -> None:
        self.period_s = period_s
        self.market = ChainMarket(world.devnet, options, random.Random(f"feeder:{SEED}"))
        self.blocks = 0
        self.error: BaseException | None = None
        self._running = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._running.set()
        self._thread = threading.Thread(target=self._feed, name="market-feeder", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stops after the block being made (a step and its block are one): nothing the
        simulator sent stays pending."""
        self._running.clear()
        if self._thread is not None:
            self._thread.join(30)
            assert not self._thread.is_alive(), "the market feeder did not stop"
            self._thread = None
        if self.error is not None:
            raise RuntimeError(f"the market feeder failed after {self.blocks} blocks") from self.error

    def _feed(self) -> None:
        last = time.monotonic()
        try:
            while self._running.is_set():
                time.sleep(self.period_s)
                now = time.monotonic()
                self.market.step(now - last)
                last = now
                self.market.chain.mine(1)
                self.blocks += 1
        except BaseException as exc:  # noqa: BLE001 - reported by pause()
            self.error = exc
