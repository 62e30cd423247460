"""Opportunity -> signed transaction sent, simulation included (engine/execution).

On a devnet (one anvil, mining paused, so every trade stays in flight and the
state the simulation runs on does not change): ``Executor.execute`` from the
engine's opportunity to ``eth_sendRawTransaction`` answered: risk check, the
trade row committed (trades.db, WAL, synchronous=FULL), eth_call +
eth_estimateGas + latest block in one batch, the gate, ``simulated``
committed, nonce, signing, ``sent`` committed with the signed bytes, and the
broadcast. Latency one trade at a time (p50 / p99), then throughput with 50
trades in flight at once. Prints the figures; asserts nothing on time.

Run: ``.venv/bin/python -m pytest benches/test_bench_execution.py -p no:cacheprovider -s``
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from engine.store.trades import TradeStatus
from tests.execution_support import trading, world

pytestmark = pytest.mark.chain

LATENCY_TRADES = 200
THROUGHPUT_TRADES = 500
CONCURRENCY = 50


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_bench_opportunity_to_signed_tx_sent(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        async def main() -> dict[str, float]:
            risk = {"exclusive_pools": False, "pool_cooldown_blocks": 0, "max_in_flight": 10_000}
            async with trading(w, tmp_path, auto=False, risk=risk) as t:
                w.open_gap()
                await t.synced()
                pool = w.weth_usdc_v2().address.lower()
                opp = max((o for o in t.engine.opportunities if pool in o.pools),
                          key=lambda o: o.profit_net)
                for i in range(10):  # warm-up: connections, caches
                    await t.executor.execute(opp, f"warm-{i}")
                latencies = []
                for i in range(LATENCY_TRADES):
                    started = time.perf_counter()
                    trade, _ = await t.executor.execute(opp, f"lat-{i}")
                    latencies.append(time.perf_counter() - started)
                    assert trade.status is TradeStatus.SENT
                semaphore = asyncio.Semaphore(CONCURRENCY)

                async def one(i: int) -> None:
                    async with semaphore:
                        trade, _ = await t.executor.execute(opp, f"tp-{i}")
                        assert trade.status is TradeStatus.SENT

                started = time.perf_counter()
                await asyncio.gather(*(one(i) for i in range(THROUGHPUT_TRADES)))
                elapsed = time.perf_counter() - started
                assert w.nonce("pending") - w.nonce() == 10 + LATENCY_TRADES + THROUGHPUT_TRADES
                return {
                    "p50_ms": statistics.median(latencies) * 1e3,
                    "p99_ms": _pct(latencies, 0.99) * 1e3,
                    "min_ms": min(latencies) * 1e3,
                    "mean_ms": statistics.fmean(latencies) * 1e3,
                    "trades_per_s": THROUGHPUT_TRADES / elapsed,
                }

        figures = asyncio.run(main())
    print(
        f"\nopportunity -> signed tx sent (simulation included), {LATENCY_TRADES} trades one at a "
        f"time: p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
        f"min {figures['min_ms']:.2f} ms, mean {figures['mean_ms']:.2f} ms\n"
        f"throughput, {THROUGHPUT_TRADES} trades, {CONCURRENCY} in flight at once: "
        f"{figures['trades_per_s']:.0f} trades/s"
    )
