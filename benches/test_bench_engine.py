"""Engine benchmarks on a devnet world in-process (tests/chain_layer_support.py):

1. chain log -> opportunity delivered on the gRPC ``StreamOpportunities`` stream.
   One anvil with manual mining; each sample sends a swap that moves a gap pool's
   price, mines it (from a process of its own, as a chain would), and waits for
   the batch of that block at a gRPC client (real ``grpc.aio`` server of
   ``EngineApp``, chain layer on WebSocket). Every stage is stamped with
   ``time.time_ns()`` and shown from the mining call's return: a raw
   ``websockets`` newHeads subscriber in the mining process (the earliest the
   notification can be read), a web3 ``WebSocketProvider`` subscriber in the
   engine's process (the follower's transport before), the follower's own
   socket reading the notification, the block's logs read (``observed_ns``),
   published, received by the client. Goal p99 <= 10 ms from ``observed_ns``,
   seed budget 100 ms.
2. ``Quote`` RPC from one client, sequential: p50 / p99 and requests per second
   (goal p50 <= 1 ms).
3. Initial sync of the devnet world (26 pools on one chain): time and per-pool
   cost. 1,000 pools on a chain: ``test_bench_engine_sync.py``.
4. Engine memory (RSS): after syncing the devnet, then with the 1,000-pool
   ``tests/market_gen.py:bench_market()`` market fed through ``Engine``
   (``add_pools`` then 200 blocks of updates). Goal <= 1 GB. The engine process
   live at 1,000 pools on a chain: ``test_bench_engine_sync.py``.

Figures go to stdout and extra_info; nothing asserts on time.

Run: ``.venv/bin/python -m pytest benches/test_bench_engine.py -p no:cacheprovider --benchmark-only -s``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import random
import statistics
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc.aio
import pytest
import uvloop
import websockets
from web3 import AsyncWeb3, WebSocketProvider

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.app import EngineApp, find_chain_runner
from engine.chain import ChainFollower
from engine.chain.connection import RpcClient
from engine.config import EngineConfig, EnvSecrets, parse_config
from engine.core import BlockUpdate, Engine, SyncState
from engine.devnet.market import ChainMarket, MarketOptions
from engine.devnet.spec import UNISWAP_V2
from tests.chain_layer_support import CHAIN_ID, World, engine_config, wait_for, wait_until, world
from tests.engine_support import empty_engine_for, pools_added
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


def _driver(conn: Connection, w: World, ws_url: str) -> None:
    """The chain's side, in a process of its own (so that neither it nor the raw client
    competes with the engine for the GIL): on ``i``, one gap-moving swap on the WETH/USDC
    pair (direction alternating), mined; replies (block, ns before the mining call, ns
    after it). A thread holds a plain ``websockets`` newHeads subscription and stamps
    each frame: when the node's notification can be read at the earliest. On None,
    replies those stamps and exits."""
    frames: dict[int, int] = {}
    ready = threading.Event()

    def raw_subscriber() -> None:
        async def main() -> None:
            async with websockets.connect(ws_url, compression=None) as ws:
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe",
                                          "params": ["newHeads"]}))
                await ws.recv()
                ready.set()
                async for frame in ws:
                    stamp = time.time_ns()
                    head = json.loads(frame)["params"]["result"]
                    frames[int(head["number"], 16)] = stamp

        with contextlib.suppress(Exception):
            asyncio.run(main())

    threading.Thread(target=raw_subscriber, daemon=True).start()
    ready.wait(60)
    market = ChainMarket(w.devnet, MarketOptions(seed=3), random.Random(3))
    pool = _weth_usdc_v2(w)
    conn.send("ready")
    while (i := conn.recv()) is not None:
        tx = market.open_gap(pool, 0.02, zero_for_one=i % 2 == 0)
        assert tx is not None
        before = time.time_ns()
        w.mine()
        after = time.time_ns()
        conn.send((w.head(), before, after))
    time.sleep(0.2)  # the last frame
    conn.send(dict(frames))


def test_chain_log_to_grpc_opportunity(
    benchmark: Any, devnet: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = devnet
    ours, driver = mp.get_context("fork").Pipe()
    process = mp.get_context("fork").Process(target=_driver, args=(driver, w, w.devnet.ws_url),
                                             daemon=True)
    process.start()
    assert ours.recv() == "ready"
    # when the follower's socket delivered each block's newHeads notification
    notified: dict[int, int] = {}
    announced = RpcClient._announced

    def stamped(self: RpcClient, header: dict[str, Any]) -> None:
        notified.setdefault(int(header["number"], 16), time.time_ns())
        announced(self, header)

    monkeypatch.setattr(RpcClient, "_announced", stamped)

    async def web3_subscriber(stamps: dict[int, int]) -> None:
        """What the follower used before: web3's WebSocketProvider, newHeads subscription."""
        w3 = await AsyncWeb3(WebSocketProvider(w.devnet.ws_url))  # type: ignore[misc]
        try:
            await w3.eth.subscribe("newHeads")
            async for message in w3.socket.process_subscriptions():
                stamps.setdefault(int(message["result"]["number"]), time.time_ns())
        finally:
            await w3.provider.disconnect()

    async def main() -> dict[str, Any]:
        app, channel, stub = await _live_app(w, tmp_path)
        web3_stamps: dict[int, int] = {}
        web3_task = asyncio.create_task(web3_subscriber(web3_stamps))
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

            def mine(i: int) -> tuple[int, int, int]:
                ours.send(i)
                return ours.recv()  # type: ignore[no-any-return]

            task = asyncio.create_task(reader())
            samples: list[tuple[int, int, int, Any, int]] = []
            for i in range(5 + LATENCY_SAMPLES):  # 5 warm-up blocks
                number, before_ns, mined_ns = await asyncio.to_thread(mine, i)
                while number not in received:
                    arrived.clear()
                    await wait_for(arrived.wait(), f"the batch of block {number}")
                if i >= 5:
                    samples.append((number, before_ns, mined_ns, *received[number]))
            stream.cancel()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0.1)  # the web3 subscriber's last notifications
            return {"samples": samples, "web3": dict(web3_stamps)}
        finally:
            web3_task.cancel()
            await asyncio.gather(web3_task, return_exceptions=True)
            await channel.close()
            await app.stop()

    try:
        run = benchmark.pedantic(lambda: _run(main()), rounds=1, iterations=1)
        ours.send(None)
        frames: dict[int, int] = ours.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()

    def ms(stamps: list[tuple[int, int]]) -> dict[str, float] | str:
        return _stats([(b - a) / 1e6 for a, b in stamps]) if stamps else "not seen"

    samples, web3_stamps = run["samples"], run["web3"]
    with_opps = sum(bool(batch.opportunities) for *_, batch, _ in samples)
    # every stage from the return of the mining call (the previous bench's origin)
    figures = {
        "mining call (anvil_mine round trip)": ms([(b, m) for _, b, m, _, _ in samples]),
        "raw websockets client, other process: newHeads frame read":
            ms([(m, frames[n]) for n, _, m, _, _ in samples if n in frames]),
        "web3 WebSocketProvider subscriber (the follower's transport before)":
            ms([(m, web3_stamps[n]) for n, _, m, _, _ in samples if n in web3_stamps]),
        "follower: notification read (JsonRpcWebSocket)":
            ms([(m, notified[n]) for n, _, m, _, _ in samples if n in notified]),
        "follower: logs read (observed_ns)":
            ms([(m, batch.observed_unix_nanos) for _, _, m, batch, _ in samples]),
        "engine: published": ms([(m, batch.published_unix_nanos) for _, _, m, batch, _ in samples]),
        "gRPC client: batch received": ms([(m, recv) for _, _, m, _, recv in samples]),
        "observed -> client (the pipeline goal)":
            ms([(batch.observed_unix_nanos, recv) for _, _, _, batch, recv in samples]),
        "of which engine (observed -> published)":
            ms([(b.observed_unix_nanos, b.published_unix_nanos) for _, _, _, b, _ in samples]),
        "of which gRPC hop (published -> client)":
            ms([(b.published_unix_nanos, recv) for _, _, _, b, recv in samples]),
        "batches_with_opportunities": f"{with_opps}/{LATENCY_SAMPLES}",
    }
    benchmark.extra_info.update(figures)
    print(f"\nchain log -> gRPC StreamOpportunities client, {LATENCY_SAMPLES} blocks "
          "(ms from the mining call's return unless named):")
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
    engine = empty_engine_for(spec, chain_id)
    added = pools_added(spec, chain_id)
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
