"""A devnet world in-process for the chain-layer tests (tests/test_chain_*.py), an
engine configured for it, and the check that the engine's state equals a fresh
read of the chain.

The world is built on one anvil with manual mining (automine off, no interval):
the tests decide when a block exists, so runs are reproducible and fast.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

import engine_rs
from engine.api import convert
from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.config import EngineConfig, EnvSecrets, parse_config
from engine.core import Engine
from engine.devnet import artifacts
from engine.devnet.config import ChainConfig as DevnetChain
from engine.devnet.node import ANVIL_BIN, AnvilNode, NodeOptions
from engine.devnet.rpc import Chain
from engine.devnet.spec import PANCAKESWAP_V2, UNISWAP_V2
from engine.devnet.v2 import read_reserves
from engine.devnet.v3 import Pool, V3Dex
from engine.devnet.world import WorldOptions, build

SEED = 11
CHAIN_ID = 31337


@dataclass
class World:
    node: AnvilNode
    chain: Chain
    devnet: DevnetChain

    def mine(self, blocks: int = 1) -> None:
        self.chain.mine(blocks)

    def head(self) -> int:
        return self.chain.block_number()


@contextmanager
def world(seed: int = SEED) -> Iterator[World]:
    if not ANVIL_BIN.exists():
        pytest.fail(f"anvil not found at {ANVIL_BIN}: run `make npm`", pytrace=False)
    if not artifacts.EXECUTOR_ARTIFACT.exists():
        pytest.fail("contracts/out is missing: run `cd contracts && tools/forge build`", pytrace=False)
    node = AnvilNode(NodeOptions(0, CHAIN_ID, accounts=10))
    try:
        chain = Chain(node.url)
        devnet = build(chain, WorldOptions(
            seed=seed, name="devnet-1", rpc_url=node.url, ws_url=node.ws_url, block_time_s=0,
            trader=chain.accounts[-1],
        ), log=lambda _: None)
        chain.rpc("evm_setAutomine", [False])  # blocks only when a test mines one
        yield World(node, chain, devnet)
    finally:
        node.stop()


def engine_config(
    devnet: DevnetChain, *, rpc_url: str | None = None, ws: bool = True, **chain_overrides: Any
) -> EngineConfig:
    chain = devnet.model_dump()
    if rpc_url is not None:
        chain["rpc_url"] = rpc_url
    if not ws:
        chain.pop("ws_url")
    chain.update({"poll_interval_s": 0.05, "base_tokens": ["WETH", "USDC"]}, **chain_overrides)
    return parse_config({
        "chains": [chain],
        "auth": {"enabled": False},
        "metrics": {"enabled": False},
    }, secrets=EnvSecrets())


async def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    """Poll ``predicate`` on the event loop; fail naming ``what`` (a hang guard, not a timing assert)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_for(awaitable: Awaitable[Any], what: str, timeout_s: float = 60) -> Any:
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


# --- the engine equals the chain ---------------------------------------------------


def chain_state(world: World) -> dict[str, tuple[Any, ...]]:
    """Every pool read afresh through the devnet's own readers (not the chain layer's):
    V2 reserves; V3 slot0, liquidity and each initialized tick's gross and net."""
    devnet, chain = world.devnet, world.chain
    v3 = V3Dex(chain, devnet.simulator.v3_caller, devnet.dex("uniswap-v3").factory)
    out: dict[str, tuple[Any, ...]] = {}
    for pool in devnet.pools:
        if pool.kind == "v2":
            out[pool.address.lower()] = ("v2", *read_reserves(chain, pool.address))
        else:
            p = Pool(pool.address, pool.fee, pool.tick_spacing or 0, pool.token0, pool.token1)
            sqrt_price, tick, liquidity = v3.read_slot(p)
            ticks = {t: (gross, net) for t, net, gross in v3.read_ticks(p)}
            out[pool.address.lower()] = ("v3", sqrt_price, tick, liquidity, ticks)
    return out


def engine_state(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """The engine's pools as the ListPools RPC serves them (``Engine.pools``, the Market's
    PoolViews, through ``convert.pool`` with every initialized tick), decoded."""
    out: dict[str, tuple[Any, ...]] = {}
    for view in engine.pools(CHAIN_ID):
        pool = convert.pool(view, engine.view.tokens, updated_block=engine.updated_block(view),
                            include_ticks=True)
        if pool.kind == pb.POOL_KIND_V2:
            out[pool.address] = ("v2", int(pool.v2.reserve0), int(pool.v2.reserve1))
        else:
            v3 = pool.v3
            assert v3.initialized_ticks == len(v3.ticks)
            ticks = {t.tick: (int(t.liquidity_gross), int(t.liquidity_net)) for t in v3.ticks}
            out[pool.address] = ("v3", int(v3.sqrt_price_x96), v3.tick, int(v3.liquidity), ticks)
    return out


def fresh_market(world: World, state: dict[str, tuple[Any, ...]]) -> engine_rs.Market:
    market = engine_rs.Market()
    for token in world.devnet.tokens:
        market.add_token(CHAIN_ID, token.address, token.decimals, token.symbol)
    fees = {UNISWAP_V2: 30, PANCAKESWAP_V2: 20}
    for pool in world.devnet.pools:
        s = state[pool.address.lower()]
        if s[0] == "v2":
            market.add_v2_pool(CHAIN_ID, pool.address, pool.token0, pool.token1, s[1], s[2],
                               fees[pool.dex], pool.dex)
        else:
            ticks = [(t, g, n) for t, (g, n) in sorted(s[4].items())]
            market.add_v3_pool(CHAIN_ID, pool.address, pool.token0, pool.token1, pool.fee,
                               pool.tick_spacing or 0, s[1], s[2], s[3], ticks, pool.dex)
    return market


def _quote(market: engine_rs.Market, pool: str, token_in: str, amount: int) -> object:
    try:
        return market.quote(CHAIN_ID, [pool], token_in, amount)
    except ValueError as exc:
        return f"revert: {exc}"


def assert_engine_matches_chain(world: World, engine: Engine) -> int:
    """The engine's pools, as ListPools serves them, equal a fresh chain read; and its
    engine_rs market quotes exactly like a fresh engine_rs.Market built from that read:
    every pool, both directions, amounts from tiny to a large share of the pool.
    Returns the number of quotes compared.
    """
    expected = chain_state(world)
    actual = engine_state(engine)
    assert set(actual) == set(expected), "the engine follows other pools than the chain has"
    for address, state in expected.items():
        assert actual[address] == state, f"pool {address}: engine {actual[address]!r} != chain {state!r}"
    fresh = fresh_market(world, expected)
    decimals = {t.address.lower(): t.decimals for t in world.devnet.tokens}
    compared = 0
    for pool in world.devnet.pools:
        for token_in in (pool.token0, pool.token1):
            unit = 10 ** decimals[token_in.lower()]
            for amount in (1, unit // 1000 or 1, unit, 10 * unit, 1000 * unit):
                got = _quote(engine.market, pool.address, token_in, amount)
                want = _quote(fresh, pool.address, token_in, amount)
                assert got == want, f"quote {pool.address} {token_in} {amount}: {got} != {want}"
                compared += 1
    return compared


class RecordingEngine(Engine):
    """An Engine that keeps what the chain layer fed it: block numbers in order, and
    the kinds of updates applied."""

    def __init__(self, config: EngineConfig) -> None:
        super().__init__(config)
        self.applied: list[int] = []
        self.rollbacks: list[int] = []
        self.update_counts: dict[str, int] = {}

    def apply_block(self, block: Any) -> Any:
        result = super().apply_block(block)
        self.applied.append(block.number)
        for update in block.updates:
            kind = str(update[0])
            self.update_counts[kind] = self.update_counts.get(kind, 0) + 1
        return result

    def rollback(self, chain_id: int, to_number: int) -> Any:
        self.rollbacks.append(to_number)
        return super().rollback(chain_id, to_number)


def simulate(world: World, blocks: int, seed: int, ops_per_block: int = 24) -> dict[str, int]:
    """The devnet's market simulator, driven block by block: noise swaps, a gap now
    and then, V3 mints and burns; each round mined into one block. Blocking (run it
    in a thread)."""
    import random

    from engine.devnet.market import ChainMarket, MarketOptions

    rng = random.Random(seed)
    market = ChainMarket(world.devnet, MarketOptions(seed=seed, median_swap_usd=20_000), rng)
    pools = world.devnet.pools
    gap_pools = market.gap_pools
    for i in range(blocks):
        for _ in range(ops_per_block - 4):
            market.noise_swap(rng.choice(pools))
        if i % 4 == 0:
            market.open_gap(rng.choice(gap_pools), rng.uniform(0.01, 0.03), rng.random() < 0.5)
        for _ in range(3):
            market.change_liquidity()
        world.mine()
    return dict(market.stats.counts)
