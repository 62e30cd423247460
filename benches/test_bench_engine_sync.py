"""Initial sync of 1,000 real pools on a chain, and the engine's memory live at 1,000 pools.

The chain: ``benches/pools_1000.py`` (one anvil; 500 Uniswap V2 pairs on two
factory deployments and 500 Uniswap V3 pools over the four fee tiers, 3-6
positions each; 60 tokens). The engine is told the factories and two base
tokens only, so the sync is the whole of it: discovery from the factories'
``PairCreated`` / ``PoolCreated`` logs, the pools' state and the unknown
tokens read at one pinned block, then ``Engine.add_pools`` (cycle index and
first scan).

1. Sync time, p50 of ``SYNC_RUNS`` runs, with the V3 ticks read through the
   PoolLens (engine/chain/lens.py) and, as the baseline in the same run, word by
   word (``FollowerOptions(tick_lens=False)``: one ``eth_call`` per bitmap word
   and per initialized tick, the chain layer's way before). Both over the
   follower's WebSocket; JSON-RPC messages and calls counted on the socket. Both
   must read the same state: every pool, every initialized tick.
2. Memory: ``arbx serve`` (the engine process as deployed: gRPC server, SQLite
   store, chain layer) started on that chain; once it reports all 1,000 pools
   live, 100 more blocks are mined and followed; then its RSS (and peak) from
   /proc. Goal <= 1 GB.

Figures go to stdout and extra_info; nothing asserts on time.

Run: ``.venv/bin/python -m pytest benches/test_bench_engine_sync.py -p no:cacheprovider --benchmark-only -s``
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import uvloop
from pools_1000 import CHAIN_ID, BenchChain, build

from engine.api.gen.arbitrage.v1 import engine_pb2 as pb
from engine.api.gen.arbitrage.v1 import engine_pb2_grpc
from engine.chain import ChainFollower, FollowerOptions
from engine.chain.websocket import JsonRpcWebSocket
from engine.config import EnvSecrets, parse_config
from engine.core import Engine
from engine.devnet.node import free_port
from tests.chain_layer_support import wait_until

pytestmark = pytest.mark.chain

SYNC_RUNS = 3
LIVE_BLOCKS = 100
PREVIOUS_MS_PER_POOL = 42  # benches/RESULTS.md before: 26 devnet pools in 1.09 s


@pytest.fixture(scope="module")
def chain() -> Iterator[BenchChain]:
    bench = build()
    try:
        yield bench
    finally:
        bench.stop()


def _stats(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def _rss_kib(pid: int) -> dict[str, int]:
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


async def _sync(config: Any, options: FollowerOptions) -> dict[str, Any]:
    """One initial sync into a fresh Engine; its time, socket traffic and what it read."""
    engine = Engine(config)
    add_pools_s = 0.0
    add_pools = engine.add_pools

    def timed_add_pools(pools: Any) -> None:
        nonlocal add_pools_s
        started = time.perf_counter()
        add_pools(pools)
        add_pools_s += time.perf_counter() - started

    engine.add_pools = timed_add_pools  # type: ignore[method-assign]
    follower = ChainFollower(config.chains[0], engine, options)
    started = time.perf_counter()
    task = asyncio.create_task(follower.run())
    try:
        # the follower's error, if it stops (wait_until alone would wait out its timeout)
        await wait_until(lambda: follower.last_processed is not None or task.done(),
                         "the initial sync", 900)
        if follower.last_processed is None:
            raise AssertionError(f"the follower stopped: {task.exception()!r}")
        elapsed = time.perf_counter() - started
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    state = {p.address: (p.reserve0, p.reserve1, p.sqrt_price_x96, p.tick, p.liquidity, p.ticks)
             for p in engine.pools(CHAIN_ID)}
    return {"s": elapsed, "add_pools_s": add_pools_s, "state": state,
            "cycles": engine.status().cycles}


def test_initial_sync_of_1000_pools(
    benchmark: Any, chain: BenchChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    traffic = {"messages": 0, "calls": 0}
    request, batch = JsonRpcWebSocket.request, JsonRpcWebSocket.batch

    async def counted_request(self: JsonRpcWebSocket, method: str, params: list[Any]) -> Any:
        traffic["messages"] += 1
        traffic["calls"] += 1
        return await request(self, method, params)

    async def counted_batch(self: JsonRpcWebSocket, calls: Any) -> Any:
        traffic["messages"] += 1
        traffic["calls"] += len(calls)
        return await batch(self, calls)

    monkeypatch.setattr(JsonRpcWebSocket, "request", counted_request)
    monkeypatch.setattr(JsonRpcWebSocket, "batch", counted_batch)
    config = parse_config({"chains": [chain.config()], "auth": {"enabled": False},
                           "metrics": {"enabled": False}}, secrets=EnvSecrets())
    ways = {"tick lens": FollowerOptions(), "word by word (before)": FollowerOptions(tick_lens=False)}

    def runs() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in ways}
        for _ in range(SYNC_RUNS):
            for name, options in ways.items():  # interleaved: the same machine load for both
                traffic.update(messages=0, calls=0)
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    run = runner.run(_sync(config, options))
                out[name].append({**run, **traffic})
        return out

    results = benchmark.pedantic(runs, rounds=1, iterations=1)
    reference = results["word by word (before)"][0]["state"]
    assert len(reference) == len(chain.pools) == 1000
    assert set(reference) == set(chain.pools)
    ticks = sum(len(s[5] or []) for s in reference.values())
    assert ticks == chain.initialized_ticks
    figures: dict[str, Any] = {"pools": len(reference), "initialized_ticks": ticks,
                               "cycles": results["tick lens"][0]["cycles"],
                               "chain_built_in_s": round(chain.deploy_s, 1)}
    for name, rs in results.items():
        for r in rs:
            assert r["state"] == reference, f"{name}: another state than word by word"
        sync_s = [r["s"] for r in rs]
        figures[name] = {
            "sync_s": _stats(sync_s),
            "per_pool_ms": round(statistics.median(sync_s) / len(reference) * 1e3, 2),
            "engine_add_pools_s": _stats([r["add_pools_s"] for r in rs]),
            "jsonrpc_messages": rs[0]["messages"], "jsonrpc_calls": rs[0]["calls"],
        }
    figures["previous figure"] = f"{PREVIOUS_MS_PER_POOL} ms per pool (26 devnet pools)"
    benchmark.extra_info.update(figures)
    print(f"\ninitial sync of {len(reference)} pools, {SYNC_RUNS} runs each:")
    for k, v in figures.items():
        print(f"  {k}: {v}")


def test_engine_memory_live_at_1000_pools(benchmark: Any, chain: BenchChain, tmp_path: Path) -> None:
    port = free_port()
    config = {
        "chains": [chain.config()],
        "api": {"host": "127.0.0.1", "port": port},
        "store": {"path": str(tmp_path / "arbitrage.db")},
        "auth": {"enabled": False},
        "metrics": {"enabled": False},
        "logging": {"level": "WARNING"},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    arbx = Path(sys.executable).parent / "arbx"
    log = (tmp_path / "engine.log").open("w")
    proc = subprocess.Popen([str(arbx), "serve", "--config", str(path)], stdout=log, stderr=log)

    def status() -> pb.ChainStatus | None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = engine_pb2_grpc.EngineServiceStub(channel)
            try:
                chains = stub.GetStatus(pb.GetStatusRequest(), timeout=5).chains
            except grpc.RpcError:
                return None
        return chains[0] if chains else None

    def wait(predicate: Any, what: str, timeout_s: float = 600) -> pb.ChainStatus:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"arbx serve exited ({proc.returncode}): see {log.name}")
            s = status()
            if s is not None and predicate(s):
                return s
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def measure() -> dict[str, Any]:
        started = time.perf_counter()
        synced = wait(lambda s: s.state == pb.SYNC_STATE_LIVE and s.pools == 1000
                      and s.sync_lag_blocks == 0, "the engine to sync 1,000 pools")
        ready_s = time.perf_counter() - started
        rss_synced = _rss_kib(proc.pid)
        chain.chain.mine(LIVE_BLOCKS)
        target = synced.head_number + LIVE_BLOCKS
        wait(lambda s: s.head_number >= target and s.sync_lag_blocks == 0, "the blocks")
        rss_live = _rss_kib(proc.pid)
        return {"process start -> 1,000 pools live (s)": round(ready_s, 2),
                "rss_after_sync_mib": round(rss_synced["VmRSS"] / 1024, 1),
                f"rss_after_{LIVE_BLOCKS}_more_blocks_mib": round(rss_live["VmRSS"] / 1024, 1),
                "peak_rss_mib": round(rss_live["VmHWM"] / 1024, 1)}

    try:
        figures = benchmark.pedantic(measure, rounds=1, iterations=1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    benchmark.extra_info.update(figures)
    print(f"\narbx serve live at 1,000 pools: {figures}")
