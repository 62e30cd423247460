"""A devnet world with a keystore-held trader, and the engine trading on it, for the
execution tests (tests/test_execution_*.py).

One anvil with manual mining (automine off, no interval): a transaction the
engine sends waits in the node's pool until a test mines a block, which is how
the tests stop a trade between send and receipt. The engine is fed by the
chain layer (engine.chain.ChainFollower); the executor runs in process
(``Trading``) or as ``arbx serve`` in a subprocess (the crash test).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.api.server import ApiServer
from engine.chain import ChainFollower
from engine.config import EngineConfig, EnvSecrets, parse_config
from engine.core import Engine
from engine.devnet import artifacts, keystore
from engine.devnet.config import ChainConfig as DevnetChain
from engine.devnet.config import PoolConfig
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.node import ANVIL_BIN, AnvilNode, NodeOptions
from engine.devnet.rpc import Chain
from engine.devnet.spec import UNISWAP_V2
from engine.devnet.world import WorldOptions, build
from engine.execution import Executor, build_executor
from engine.store.trades import Trade, TradeStatus

PASSWORD = "execution-test-password"
SEED = 13
CHAIN_ID = 31337


@dataclass
class World:
    node: AnvilNode
    chain: Chain
    devnet: DevnetChain
    keystore_path: Path
    trader: str

    def mine(self, blocks: int = 1) -> None:
        self.chain.mine(blocks)

    def nonce(self, tag: str = "latest") -> int:
        return int(self.chain.rpc("eth_getTransactionCount", [self.trader, tag]), 16)

    def weth_usdc_v2(self) -> PoolConfig:
        weth, usdc = self.devnet.token("WETH").address, self.devnet.token("USDC").address
        pair = sorted((weth, usdc), key=lambda a: int(a, 16))
        return next(p for p in self.devnet.pools
                    if [p.token0, p.token1] == pair and p.dex == UNISWAP_V2)

    def open_gap(self, move: float = 0.03, zero_for_one: bool = True) -> None:
        """A swap that moves Uniswap V2's WETH/USDC by ``move``, mined in its own block."""
        market = ChainMarket(self.devnet, MarketOptions(seed=SEED), random.Random(SEED))
        tx = market.open_gap(self.weth_usdc_v2(), move, zero_for_one=zero_for_one)
        assert tx is not None
        self.mine()
        assert int(self.chain.receipt(tx)["status"], 16) == 1

    def executor_balance(self, token: str) -> int:
        from engine.devnet.tokens import balance_of

        return balance_of(self.chain, token, self.devnet.executor)

    def trade_executed_logs(self, from_block: int) -> list[dict[str, Any]]:
        from engine.execution.encoding import TRADE_EXECUTED_TOPIC

        logs: list[dict[str, Any]] = self.chain.rpc("eth_getLogs", [{
            "fromBlock": hex(from_block), "toBlock": "latest", "address": self.devnet.executor,
            "topics": [TRADE_EXECUTED_TOPIC],
        }])
        return logs


@contextlib.contextmanager
def world(tmp: Path) -> Iterator[World]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    if not artifacts.EXECUTOR_ARTIFACT.exists():
        pytest.fail("contracts/out is missing: run `cd contracts && tools/forge build`", pytrace=False)
    keystore_path = tmp / "trader.json"
    trader = keystore.create(keystore_path, PASSWORD)
    node = AnvilNode(NodeOptions(0, CHAIN_ID, accounts=10))
    try:
        chain = Chain(node.url)
        devnet = build(chain, WorldOptions(
            seed=SEED, name="devnet-1", rpc_url=node.url, ws_url=node.ws_url, block_time_s=0,
            trader=trader,
        ), log=lambda _: None)
        chain.rpc("evm_setAutomine", [False])  # blocks only when a test mines one
        yield World(node, chain, devnet, keystore_path, trader.lower())
    finally:
        node.stop()


def config_document(w: World, tmp: Path, **execution: Any) -> dict[str, Any]:
    chain = w.devnet.model_dump()
    chain.update({"poll_interval_s": 0.05})
    chain.pop("ws_url")  # HTTP polling: one transport less to start in each test
    return {
        "chains": [chain],
        "auth": {"enabled": False},
        "metrics": {"enabled": False},
        "api": {"port": 0},
        "store": {"path": str(tmp / "arbitrage.db")},
        "keystore": {"path": str(w.keystore_path), "address": w.trader},
        "execution": {
            "mode": "live", "trades_db": str(tmp / "trades.db"), "receipt_poll_s": 0.05,
            "stuck_after_s": 1000, **execution,
        },
    }


def engine_config(w: World, tmp: Path, **execution: Any) -> EngineConfig:
    return parse_config(config_document(w, tmp, **execution), secrets=EnvSecrets())


async def wait_until(predicate: Callable[[], Any], what: str, timeout_s: float = 90) -> Any:
    """Poll ``predicate`` (sync or async) until truthy; a hang guard, not a timing assert."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Trading:
    engine: Engine
    executor: Executor
    api: ApiServer
    world: World

    async def synced_to(self, number: int) -> None:
        await wait_until(lambda: (h := self.engine.head(CHAIN_ID)) is not None and h.number >= number,
                         f"the engine to apply block {number}")

    async def synced(self) -> None:
        await self.synced_to(self.world.chain.block_number())

    async def trades(self) -> list[Trade]:
        store = self.executor.store
        from engine.store.trades import TradeFilter

        found, _ = await store.call(store.list, TradeFilter(), 1000)
        return list(reversed(found))

    async def trade(self, trade_id: str) -> Trade:
        store = self.executor.store
        found = await store.call(store.get, trade_id)
        assert found is not None
        return found

    async def until_status(self, trade_id: str, *statuses: TradeStatus) -> Trade:
        async def check() -> Trade | None:
            t = await self.trade(trade_id)
            return t if t.status in statuses else None

        result: Trade = await wait_until(check, f"trade {trade_id} to reach {statuses}")
        return result


@contextlib.asynccontextmanager
async def trading(w: World, tmp: Path, *, auto: bool = True, **execution: Any) -> AsyncIterator[Trading]:
    """Engine + chain follower + executor + gRPC server, in this process."""
    import os

    os.environ[keystore.PASSWORD_ENV] = PASSWORD
    config = engine_config(w, tmp, **execution)
    engine = Engine(config)
    follower = ChainFollower(config.chains[0], engine)
    follow = asyncio.create_task(follower.run())
    executor = build_executor(engine, config)
    assert executor is not None
    api = ApiServer(engine, None, config.api, config.auth, executor)
    await api.start()
    try:
        await executor.start(auto=auto)
        t = Trading(engine, executor, api, w)
        await t.synced()
        yield t
    finally:
        await executor.stop()
        follow.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await follow
        await api.stop(0)
        executor.store.close()


def read_trades(db: Path) -> list[dict[str, Any]]:
    """trades.db read directly (another process writes it)."""
    import sqlite3

    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in conn.execute("SELECT * FROM trades ORDER BY row_id")]
            for r in rows:
                r["history"] = [e[0] for e in conn.execute(
                    "SELECT status FROM trade_events WHERE trade_id = ? ORDER BY row_id", (r["id"],))]
                r["txs"] = [dict(zip(("tx_hash", "nonce", "kind"), x)) for x in conn.execute(
                    "SELECT tx_hash, nonce, kind FROM trade_txs WHERE trade_id = ? ORDER BY sent_ns",
                    (r["id"],))]
        except sqlite3.OperationalError:  # schema not created yet
            return []
        return rows
    finally:
        conn.close()


def write_config(w: World, tmp: Path, port: int, **execution: Any) -> Path:
    document = config_document(w, tmp, **execution)
    document["api"] = {"port": port}
    document["logging"] = {"level": "INFO", "json": True}
    path = tmp / "config.json"
    path.write_text(json.dumps(document))
    return path
