"""The engine's per-block apply cost at 1,000 pools, beside engine_rs alone.

``tests/market_gen.py:bench_market()`` (1,000 pools: ~460 V2, ~540 V3 with
realistic tick distributions, 250 tokens) is loaded into an ``Engine`` and into
a bare ``engine_rs.Market``; then the same blocks of random valid updates
(``UpdateGen``: V2 syncs, V3 swaps, mints and burns) go through
``Engine.apply_block`` and through ``Market.update`` (the re-evaluation the
engine runs inside ``apply_block``). Per block: both times, and the engine's
own share (apply_block minus Market.update on the same block: history
snapshot, read model, price and opportunity events, bookkeeping). No recorder
and no observers: the store and the models are timed elsewhere.

Run: ``.venv/bin/python -m pytest benches/test_bench_engine_apply.py -p no:cacheprovider --benchmark-only -s``
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import engine_rs
from engine.core import BlockUpdate, Engine
from tests.engine_support import empty_engine_for, pools_added
from tests.market_gen import MarketSpec, UpdateGen, bench_market

CHAIN_ID = 1
BLOCKS = 300
UPDATES_PER_BLOCK = (1, 10)


def engine_for(spec: MarketSpec) -> Engine:
    """An Engine holding ``spec``'s tokens and pools (one chain, head at block 0)."""
    engine = empty_engine_for(spec, CHAIN_ID)
    added = pools_added(spec, CHAIN_ID)
    engine.add_pools(added)
    engine.set_head(CHAIN_ID, 0, "0x" + "00" * 32)
    return engine


def _blocks(spec: MarketSpec, per_block: int, seed: int) -> list[BlockUpdate]:
    gen = UpdateGen(spec.copy(), seed)
    out, parent = [], "0x" + "00" * 32
    for n in range(1, BLOCKS + 1):
        h = "0x" + f"{n:064x}"
        out.append(BlockUpdate(CHAIN_ID, n, h, parent, 1_700_000_000 + n,
                               gen.valid_batch(per_block), spec.gas_price[CHAIN_ID]))
        parent = h
    return out


def _us(values_s: list[float]) -> dict[str, float]:
    ordered = sorted(values_s)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_us": round(statistics.median(values_s) * 1e6, 1), "p99_us": round(p99 * 1e6, 1)}


def test_apply_block_at_1000_pools(benchmark: Any) -> None:
    spec = bench_market()

    def run() -> dict[str, Any]:
        figures: dict[str, Any] = {}
        for per_block in UPDATES_PER_BLOCK:
            blocks = _blocks(spec, per_block, seed=per_block)
            engine, market = engine_for(spec), spec.build(engine_rs.Market)
            market.scan()
            engine_s, market_s, own_s = [], [], []
            for block in blocks:
                t0 = time.perf_counter()
                market.update(block.updates)
                t1 = time.perf_counter()
                engine.apply_block(block)
                t2 = time.perf_counter()
                market_s.append(t1 - t0)
                engine_s.append(t2 - t1)
                own_s.append((t2 - t1) - (t1 - t0))
            # same inputs, same results: the engine's market is the bare one
            assert [(o.pools, o.amount_in, o.profit_net) for o in engine.opportunities] == [
                (o.pools, o.amount_in, o.profit_net) for o in market.opportunities()
            ]
            figures[f"{per_block}_updates"] = {
                "engine_apply_block": _us(engine_s), "market_update": _us(market_s),
                "engine_own_share": _us(own_s),
            }
        return figures

    figures = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(f"\napply one block at 1,000 pools, {BLOCKS} blocks each:")
    for k, v in figures.items():
        print(f"  {k}: {v}")
