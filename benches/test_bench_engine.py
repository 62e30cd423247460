"""Engine benchmarks on a devnet world in-process (tests/chain_layer_support.py):

1. chain log -> opportunity delivered on the gRPC ``StreamOpportunities`` stream.
   One anvil with manual mining; each sample sends a swap that moves a gap pool's
   price, mines it, and waits for the batch of that block at a gRPC client
   (real ``grpc.aio`` server of ``EngineApp``, chain layer on WebSocket). Measured
   from the follower's ``observed_ns`` (``BlockUpdate.observed_ns``, carried as
   ``observed_unix_nanos``) and from the mining call's return, to the client's
   receive time (``time.time_ns()``); the engine's part (observed -> published)
   and the gRPC hop (published -> received) are shown apart. Goal p99 <= 10 ms,
   seed budget 100 ms.
2. ``Quote`` RPC from one client, sequential: p50 / p99 and requests per second
   (goal p50 <= 1 ms).
3. Initial sync of the devnet world (26 pools on one chain): time and per-pool
   cost. The 1,000-pool figure is not measured on anvil (building 1,000 pools
   with their liquidity on anvil takes longer than this bench's budget).
4. Engine memory (RSS): after syncing the devnet, then with the 1,000-pool
   ``tests/market_gen.py:bench_market()`` market fed through ``Engine``
   (``add_pools`` then 200 blocks of updates). Goal <= 1 GB.

Figures go to stdout and extra_info; nothing asserts on time.

Run: ``.venv/bin/python -m pytest benches/test_bench_engine.py -p no:cacheprovider --benchmark-only -s``
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc.aio
import pytest
import uvloop

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.app import EngineApp, find_chain_runner
from engine.chain import ChainFollower
from engine.config import EngineConfig, EnvSecrets, parse_config
from engine.core import BlockUpdate, Engine, SyncState, V2PoolAdded, V3PoolAdded
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.spec import UNISWAP_V2
from tests.chain_layer_support import CHAIN_ID, World, engine_config, wait_for, wait_until, world
from tests.market_gen import bench_market

pytestmark = pytest.mark.chain

LATENCY_SAMPLES = 50
QUOTE_WARMUP = 200
QUOTE_REQUESTS = 3000
SYNC_RUNS = 5
MEMORY_BLOCKS = 200


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(values_ms: list[float]) -> dict[str, float]:
    return {"n": len(values_ms), "p50_ms": round(statistics.median(values_ms), 3),
            "p99_ms": round(_pct(values_ms, 0.99), 3), "min_ms": round(min(values_ms), 3),
            "max_ms": round(max(values_ms), 3)}


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run(coro: Any) -> Any:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def _app_config(w: World, tmp: Path) -> EngineConfig:
    chain = w.devnet.model_dump()
    chain.update({"poll_interval_s": 0.05, "base_tokens": ["WETH", "USDC"]})
    return parse_config({
        "chains": [chain],
        "api": {"host": "127.0.0.1", "port": 0},
        "store": {"path": str(tmp / "arbitrage.db")},
        "auth": {"enabled": False},
        "metrics": {"enabled": False},
    }, secrets=EnvSecrets())


def _weth_usdc_v2(w: World) -> Any:
    weth, usdc = w.devnet.token("WETH").address, w.devnet.token("USDC").address
    pair = sorted((weth, usdc), key=lambda a: int(a, 16))
    return next(p for p in w.devnet.pools if [p.token0, p.token1] == pair and p.dex == UNISWAP_V2)


async def _live_app(w: World, tmp: Path) -> tuple[EngineApp, grpc.aio.Channel, Any]:
    app = EngineApp(_app_config(w, tmp), chain_runner=find_chain_runner())
    await app.start()
    await wait_until(lambda: app.engine.status().chains[0].state is SyncState.LIVE
                     and app.engine.status().chains[0].sync_lag == 0, "the engine to sync")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{app.port}")
    return app, channel, engine_pb2_grpc.EngineServiceStub(channel)


@pytest.fixture(scope="module")
def devnet() -> Iterator[World]:
    with world() as w:  # stops its anvil on exit
        yield w


# --- 1. chain log -> gRPC stream --------------------------------------------------------


def test_chain_log_to_grpc_opportunity(benchmark: Any, devnet: World, tmp_path: Path) -> None:
    w = devnet
    market = ChainMarket(w.devnet, MarketOptions(seed=3), random.Random(3))
    pool = _weth_usdc_v2(w)

    def gap_block(i: int) -> tuple[int, int]:
        """One gap-moving swap (direction alternates: the price swings back and forth),
        mined; returns (block number, time.time_ns() when the mining call returned)."""
        tx = market.open_gap(pool, 0.02, zero_for_one=i % 2 == 0)
        assert tx is not None
        w.mine()
        mined_ns = time.time_ns()
        return w.head(), mined_ns

    async def main() -> dict[str, Any]:
        app, channel, stub = await _live_app(w, tmp_path)
        try:
            stream = stub.StreamOpportunities(pb.StreamOpportunitiesRequest(chain_ids=[CHAIN_ID]))
            first = await wait_for(stream.read(), "the snapshot")
            assert first.snapshot
            received: dict[int, tuple[Any, int]] = {}
            arrived = asyncio.Event()

            async def reader() -> None:
                while True:
                    batch = await stream.read()
                    now = time.time_ns()
                    if batch is grpc.aio.EOF:
                        return
                    received[batch.block_number] = (batch, now)
                    arrived.set()

            task = asyncio.create_task(reader())
            from_observed, from_mined, engine_part, grpc_part, with_opps = [], [], [], [], 0
            for i in range(5 + LATENCY_SAMPLES):  # 5 warm-up blocks
                number, mined_ns = await asyncio.to_thread(gap_block, i)
                while number not in received:
                    arrived.clear()
                    await wait_for(arrived.wait(), f"the batch of block {number}")
                batch, recv_ns = received[number]
                if i < 5:
                    continue
                from_observed.append((recv_ns - batch.observed_unix_nanos) / 1e6)
                from_mined.append((recv_ns - mined_ns) / 1e6)
                engine_part.append((batch.published_unix_nanos - batch.observed_unix_nanos) / 1e6)
                grpc_part.append((recv_ns - batch.published_unix_nanos) / 1e6)
                with_opps += bool(batch.opportunities)
            stream.cancel()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return {"observed_to_client": _stats(from_observed), "mined_to_client": _stats(from_mined),
                    "observed_to_published": _stats(engine_part),
                    "published_to_client": _stats(grpc_part),
                    "batches_with_opportunities": f"{with_opps}/{LATENCY_SAMPLES}"}
        finally:
            await channel.close()
            await app.stop()

    figures = benchmark.pedantic(lambda: _run(main()), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(f"\nchain log -> gRPC StreamOpportunities client, {LATENCY_SAMPLES} blocks:")
    for k, v in figures.items():
        print(f"  {k}: {v}")


# --- 2. Quote RPC -------------------------------------------------------------------------


def test_quote_rpc_single_client(benchmark: Any, devnet: World, tmp_path: Path) -> None:
    w = devnet
    pool = _weth_usdc_v2(w)
    weth = w.devnet.token("WETH").address
    request = pb.QuoteRequest(chain_id=CHAIN_ID, pools=[pool.address], token_in=weth,
                              amount_in=str(10**18))

    async def main() -> dict[str, Any]:
        app, channel, stub = await _live_app(w, tmp_path)
        try:
            for _ in range(QUOTE_WARMUP):
                await stub.Quote(request)
            latencies = []
            started = time.perf_counter()
            for _ in range(QUOTE_REQUESTS):
                t = time.perf_counter()
                response = await stub.Quote(request)
                latencies.append((time.perf_counter() - t) * 1e3)
            elapsed = time.perf_counter() - started
            assert int(response.amount_out) > 0
            return {**_stats(latencies), "requests_per_s": round(QUOTE_REQUESTS / elapsed, 1)}
        finally:
            await channel.close()
            await app.stop()

    figures = benchmark.pedantic(lambda: _run(main()), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(f"\nQuote RPC (1 hop), 1 client sequential, {QUOTE_REQUESTS} requests: {figures}")


# --- 3. initial sync, 4. memory -----------------------------------------------------------


def test_initial_sync_and_memory(benchmark: Any, devnet: World) -> None:
    w = devnet
    rss_before = _rss_mib()
    engines: list[Engine] = []

    async def one_sync() -> float:
        config = engine_config(w.devnet)
        engine = Engine(config)
        follower = ChainFollower(config.chains[0], engine)
        started = time.perf_counter()
        task = asyncio.create_task(follower.run())
        try:
            await wait_until(lambda: follower.last_processed is not None, "the initial sync")
            elapsed = time.perf_counter() - started
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert follower.status().pools == len(w.devnet.pools)
        engines.append(engine)
        return elapsed

    def syncs() -> list[float]:
        return [_run(one_sync()) for _ in range(SYNC_RUNS)]

    times = benchmark.pedantic(syncs, rounds=1, iterations=1)
    pools = len(w.devnet.pools)
    rss_synced = _rss_mib()
    ms = [t * 1e3 for t in times]
    sync = {"pools": pools, **_stats(ms),
            "per_pool_ms": round(statistics.median(ms) / pools, 2)}

    # 1,000 pools (tests/market_gen.py:bench_market) fed through the Engine
    engines.clear()
    spec = bench_market()
    rss_before_big = _rss_mib()
    chain_id = 1
    config = parse_config({
        "chains": [{
            "chain_id": chain_id, "name": "bench-1000", "rpc_url": "http://127.0.0.1:1/unused",
            "tokens": [{"address": t.address, "symbol": t.symbol, "decimals": t.decimals}
                       for t in spec.tokens],
            "base_tokens": spec.bases[chain_id], "max_input": str(spec.max_input[chain_id]),
        }],
        "auth": {"enabled": False}, "metrics": {"enabled": False},
    }, secrets=EnvSecrets())
    engine = Engine(config)
    added: list[Any] = []
    for p in spec.pools.values():
        if p.kind == "v2":
            added.append(V2PoolAdded(chain_id, p.address, p.token0, p.token1, p.reserve0, p.reserve1,
                                     p.fee_bps, p.dex, 0))
        else:
            ticks = [(t, g, n) for t, (g, n) in sorted(p.ticks.items())]
            added.append(V3PoolAdded(chain_id, p.address, p.token0, p.token1, p.fee, p.tick_spacing,
                                     p.sqrt_price_x96, p.tick, p.liquidity, ticks, p.dex, 0))
    started = time.perf_counter()
    engine.add_pools(added)
    engine.set_head(chain_id, 0, "0x" + "00" * 32)
    load_s = time.perf_counter() - started
    v2 = [p for p in spec.pools.values() if p.kind == "v2"]
    rng = random.Random(7)
    parent = "0x" + "00" * 32
    started = time.perf_counter()
    for n in range(1, MEMORY_BLOCKS + 1):
        updates: list[Any] = []
        for p in rng.sample(v2, 5):
            s = rng.uniform(0.98, 1.02)
            updates.append(("sync", chain_id, p.address, int(p.reserve0 * s), int(p.reserve1 / s)))
        h = "0x" + f"{n:064x}"
        engine.apply_block(BlockUpdate(chain_id, n, h, parent, 1_700_000_000 + n, updates,
                                       spec.gas_price[chain_id]))
        parent = h
    blocks_s = time.perf_counter() - started
    status = engine.status()
    rss_big = _rss_mib()
    memory = {
        "rss_process_start_mib": round(rss_before, 1),
        "rss_after_devnet_syncs_mib": round(rss_synced, 1),
        "rss_with_1000_pool_engine_mib": round(rss_big, 1),
        "delta_1000_pool_engine_mib": round(rss_big - rss_before_big, 1),
        "pools": status.pools, "cycles": status.cycles, "opportunities": status.opportunities,
        "add_pools_s": round(load_s, 3), "apply_block_ms": round(blocks_s / MEMORY_BLOCKS * 1e3, 3),
    }
    benchmark.extra_info.update({"sync": sync, "memory": memory})
    print(f"\ninitial sync of the devnet world (one chain, WebSocket), {SYNC_RUNS} runs: {sync}")
    print(f"engine memory: {memory}")
