"""engine_rs.Market at 1,000 pools vs the pure-Python reference vs networkx.

The market (``tests.market_gen.bench_market``, seed 1): 1,000 pools, half V2
(four DEXes, 20..30 bps) and half V3 (all four fee tiers, 1..12 positions from
one spacing wide to full range), 250 tokens (decimals 6 / 8 / 18), 4 base
tokens (WETH native, USDC, USDT, WBTC), cycles of 2..3 hops, gas 20 gwei.

- ``full_scan``: ``Market.scan()`` (every cycle: screening, sizing, exact
  evaluation, ranking). engine_rs; the reference (tests/reference/route_search.py,
  the same algorithm in pure Python, fewer rounds); networkx Bellman-Ford
  negative-cycle detection on -ln(marginal rate after fees) of the same graph
  (the best pool per directed token pair; detection only, no sizing).
- ``reeval_one_update``: one single-pool update (V2 sync, V3 swap / mint /
  burn, drawn at random, applied cumulatively so each is valid; 1,000 of them,
  ``ARBX_BENCH_UPDATES`` to change), timed per update: ``update([u])``
  (re-evaluation + the ranked top-100 as Python objects) and
  ``apply_updates([u])`` (re-evaluation only); also split by kind of pool
  touched (a native/base pool re-values gas for the whole chain).
- ``size_3hop_v3``: sizing one profitable 3-hop all-V3 cycle: a market of just
  its three pools (its two directions, one a candidate), ``scan()``.
- memory: VmRSS (/proc/self/status) before and after building the market and
  its first scan.

No assert is about time; the results of engine_rs and the reference are checked
to agree before the figures mean anything. The summary (p50 / p99, ratios,
goals) is printed at the end of this module's run.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from typing import Any

import pytest

from tests.market_gen import MarketSpec, UpdateGen, bench_market, op_key
from tests.reference import route_search

engine_rs = pytest.importorskip("engine_rs")
if not hasattr(engine_rs, "Market"):
    pytest.skip("engine_rs.Market not built", allow_module_level=True)

N_UPDATES = int(os.environ.get("ARBX_BENCH_UPDATES", "1000"))
GOALS = {"scan_ms": 5.0, "reeval_p99_us": 100.0, "speedup": 100.0, "memory_mb": 200.0}

_RESULTS: dict[str, Any] = {}


# --- helpers ---------------------------------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _pct(data: list[float], p: float) -> float:
    data = sorted(data)
    return data[max(0, math.ceil(p * len(data)) - 1)]


def _record(name: str, data_s: list[float]) -> None:
    if data_s:
        _RESULTS[name] = {
            "p50": statistics.median(data_s),
            "p99": _pct(data_s, 0.99),
            "min": min(data_s),
            "n": len(data_s),
        }


def _bench_data(benchmark) -> list[float]:
    """Round times (s) of a finished pytest-benchmark run ([] when disabled)."""
    stats = getattr(benchmark, "stats", None)
    stats = getattr(stats, "stats", stats)
    return list(getattr(stats, "data", []) or [])


def _fmt(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> MarketSpec:
    return bench_market()


@pytest.fixture(scope="module")
def engine_market(spec):
    gc.collect()
    before = _rss_kb()
    t0 = time.perf_counter()
    market = spec.build(engine_rs.Market)
    built = time.perf_counter()
    first = market.scan()
    done = time.perf_counter()
    gc.collect()
    after = _rss_kb()
    _RESULTS["memory_mb"] = (after - before) / 1024
    _RESULTS["build_s"] = built - t0
    _RESULTS["first_scan_s"] = done - built
    _RESULTS["shape"] = (
        f"{market.num_pools} pools ({sum(p.kind == 'v3' for p in spec.pools.values())} V3), "
        f"{market.num_tokens} tokens, {len(spec.bases[1])} bases, "
        f"{market.num_cycles} cycles, {len(first)} reported (top_k 100)"
    )
    return market


@pytest.fixture(scope="module")
def reference_market(spec):
    market = spec.build(route_search.Market)
    market.cycles()  # the index, outside the timed scans
    return market


class _SummaryPlugin:
    """Prints this module's summary at the end of the session (benches/conftest.py is not ours)."""

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not _RESULTS:
            return
        terminalreporter.write_sep("=", "arbx benches: engine_rs.Market at 1,000 pools")
        for line in _summary_lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    manager = request.config.pluginmanager
    if manager.get_plugin("arbx-market-summary") is None:
        manager.register(_SummaryPlugin(), "arbx-market-summary")
    yield


def _summary_lines() -> list[str]:
    r = _RESULTS

    def g(k: str, f: str = "p50") -> float | None:
        return r.get(k, {}).get(f)

    lines = [f"market: {r.get('shape', '?')}", ""]
    lines.append("| measurement | p50 | p99 | min | n |")
    lines.append("|---|---:|---:|---:|---:|")
    for key in sorted(k for k, v in r.items() if isinstance(v, dict)):
        v = r[key]
        lines.append(
            f"| {key} | {_fmt(v['p50'])} | {_fmt(v['p99'])} | {_fmt(v['min'])} | {v['n']} |"
        )
    lines.append("")
    scan, ref_scan, nx_scan = (
        g("full_scan engine_rs"),
        g("full_scan reference"),
        g("full_scan networkx"),
    )
    reeval_p99 = g("reeval_one_update engine_rs apply_updates", "p99")
    update_p99 = g("reeval_one_update engine_rs update", "p99")
    size, ref_size = g("size_3hop_v3 engine_rs"), g("size_3hop_v3 reference")
    mem = r.get("memory_mb")

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "NOT met")

    lines.append(
        f"full scan: engine_rs {_fmt(scan)} (goal ≤ {GOALS['scan_ms']} ms: "
        f"{verdict(scan is not None and scan * 1e3 <= GOALS['scan_ms'])})"
    )
    if scan and ref_scan:
        ratio = ref_scan / scan
        lines.append(
            f"  × vs pure-Python reference: {ratio:,.1f}× (goal ≥ {GOALS['speedup']:.0f}×: "
            f"{verdict(ratio >= GOALS['speedup'])})"
        )
    if scan and nx_scan:
        lines.append(
            f"  networkx Bellman-Ford detection only: {_fmt(nx_scan)} "
            f"({nx_scan / scan:,.2f}× engine_rs's full scan)"
        )
    if reeval_p99 is not None:
        lines.append(
            f"re-evaluation after one pool update, p99: apply_updates {_fmt(reeval_p99)}, "
            f"update (with top-100 to Python) {_fmt(update_p99)} (goal ≤ "
            f"{GOALS['reeval_p99_us']:.0f} µs: {verdict(reeval_p99 * 1e6 <= GOALS['reeval_p99_us'])})"
        )
    if size:
        lines.append(
            f"sizing one 3-hop V3 cycle: engine_rs {_fmt(size)}"
            + (f", reference {_fmt(ref_size)} ({ref_size / size:,.0f}×)" if ref_size else "")
        )
    if mem is not None:
        lines.append(
            f"memory (VmRSS delta, build + first scan): {mem:.1f} MB (goal ≤ "
            f"{GOALS['memory_mb']:.0f} MB: {verdict(mem <= GOALS['memory_mb'])})"
        )
    return lines


# --- full scan ------------------------------------------------------------------------------


@pytest.mark.benchmark(group="market_full_scan")
def test_full_scan_engine_rs(benchmark, engine_market, reference_market):
    expected = [op_key(o) for o in engine_market.scan()]
    result = benchmark.pedantic(engine_market.scan, rounds=20, iterations=1, warmup_rounds=1)
    assert [op_key(o) for o in result] == expected
    _record("full_scan engine_rs", _bench_data(benchmark))


@pytest.mark.benchmark(group="market_full_scan")
def test_full_scan_reference(benchmark, engine_market, reference_market):
    result = benchmark.pedantic(reference_market.scan, rounds=2, iterations=1)
    _record("full_scan reference", _bench_data(benchmark))
    # the two agree on the best opportunities (profits within 0.1%)
    eng = {op_key(o): o for o in engine_market.scan()}
    ref = {op_key(o): o for o in result}
    top = [o for o in result[:20]]
    assert top, "the bench market has no opportunity"
    for o in top:
        e = eng.get(op_key(o))
        if e is not None:
            assert abs(e.profit_net - o.profit_net) <= abs(o.profit_net) // 1000 + 10**6, op_key(o)
    shared = len(set(eng) & set(ref))
    assert shared >= 0.9 * min(len(eng), len(ref)), (shared, len(eng), len(ref))


def _rate_graph(spec):
    import networkx as nx

    best: dict[tuple[str, str], float] = {}
    for p in spec.pools.values():
        for zfo in (True, False):
            if p.kind == "v2":
                r_in, r_out = (p.reserve0, p.reserve1) if zfo else (p.reserve1, p.reserve0)
                rate = r_out / r_in * (1 - p.fee_bps / 10_000)
            else:
                price = (p.sqrt_price_x96 / 2**96) ** 2
                g = 1 - p.fee / 1_000_000
                rate = price * g if zfo else g / price
            a, b = (p.token0, p.token1) if zfo else (p.token1, p.token0)
            if rate > 0 and rate > best.get((a, b), 0.0):
                best[(a, b)] = rate
    graph = nx.DiGraph()
    for (a, b), rate in best.items():
        graph.add_edge(a, b, weight=-math.log(rate))
    return graph


@pytest.mark.benchmark(group="market_full_scan")
def test_full_scan_networkx_bellman_ford(benchmark, spec):
    nx = pytest.importorskip("networkx")
    graph = _rate_graph(spec)
    bases = spec.bases[1]

    def detect():
        found = []
        for base in bases:
            try:
                found.append(nx.find_negative_cycle(graph, base, weight="weight"))
            except nx.NetworkXError:
                pass
        return found

    cycles = benchmark.pedantic(detect, rounds=5, iterations=1)
    assert nx.negative_edge_cycle(graph, weight="weight") == bool(cycles) or not cycles
    _record("full_scan networkx", _bench_data(benchmark))


# --- re-evaluation after one update ---------------------------------------------------------


def _single_updates(spec, n, seed):
    """``n`` single-pool updates applied one after another (each valid where it lands),
    with the kind of pool each touches (a native/base pool re-values the chain's gas)."""
    scratch = spec.copy()
    gen = UpdateGen(scratch, seed)
    native, bases = spec.native[1], set(spec.bases[1])
    out = []
    for _ in range(n):
        batch = gen.valid_batch(1)
        p = scratch.pools[(batch[0][1], batch[0][2])]
        gas_pool = {p.token0, p.token1} <= bases and native in (p.token0, p.token1)
        out.append((batch, "gas pool (native/base)" if gas_pool else f"{p.kind} {batch[0][0]}"))
    return out


def _timed_updates(benchmark, spec, method: str, seed: int, n: int):
    fresh = spec.build(engine_rs.Market)
    fresh.scan()
    updates = _single_updates(spec, n, seed)
    it = iter(updates)
    fn = getattr(fresh, method)
    benchmark.pedantic(fn, setup=lambda: ((next(it)[0],), {}), rounds=n, iterations=1)
    data = _bench_data(benchmark)
    if len(data) == n:  # rounds in order: the same times by kind of pool touched
        by_kind: dict[str, list[float]] = {}
        for (_, kind), t in zip(updates, data):
            by_kind.setdefault(kind, []).append(t)
        for kind, times in by_kind.items():
            _record(f"reeval_one_update engine_rs {method} [{kind}]", times)
    return fresh, data


@pytest.mark.benchmark(group="market_reeval_one_update")
def test_reeval_one_update_engine_rs_apply_updates(benchmark, spec, engine_market):
    _, data = _timed_updates(benchmark, spec, "apply_updates", 11, N_UPDATES)
    _record("reeval_one_update engine_rs apply_updates", data)


@pytest.mark.benchmark(group="market_reeval_one_update")
def test_reeval_one_update_engine_rs_update(benchmark, spec, engine_market):
    fresh, data = _timed_updates(benchmark, spec, "update", 12, N_UPDATES)
    _record("reeval_one_update engine_rs update", data)
    # the incremental state equals a full rescan after all those updates
    incremental = [op_key(o) for o in fresh.opportunities()]
    assert incremental == [op_key(o) for o in fresh.scan()]


@pytest.mark.benchmark(group="market_reeval_one_update")
def test_reeval_one_update_reference(benchmark, spec, reference_market):
    market = spec.build(route_search.Market)
    market.scan()
    updates = iter(_single_updates(spec, 30, 11))
    benchmark.pedantic(
        market.update, setup=lambda: ((next(updates)[0],), {}), rounds=30, iterations=1
    )
    _record("reeval_one_update reference", _bench_data(benchmark))


# --- sizing one 3-hop V3 cycle ----------------------------------------------------------------


@pytest.fixture(scope="module")
def v3_cycle_spec(spec):
    """A market of one profitable 3-hop all-V3 cycle's three pools (the median-cost one)."""
    everything = spec.build(engine_rs.Market, top_k=10**6).scan()
    picks = [
        o
        for o in everything
        if len(o.pools) == 3 and all(spec.pools[(1, a)].kind == "v3" for a in o.pools)
    ]
    if not picks:
        pytest.skip("no profitable 3-hop V3 cycle in the bench market")
    o = picks[len(picks) // 2]
    pools = {(1, a): spec.pools[(1, a)] for a in o.pools}
    tokens = {t for p in pools.values() for t in (p.token0, p.token1)}
    return MarketSpec(
        tokens=[t for t in spec.tokens if t.address in tokens or t.address == spec.native[1]],
        pools=pools,
        bases={1: [o.base_token]},
        native=spec.native,
        gas_price={},
        max_input=spec.max_input,
        params=dict(spec.params),
    ), op_key(o)


@pytest.mark.benchmark(group="market_size_3hop_v3")
def test_size_3hop_v3_engine_rs(benchmark, v3_cycle_spec):
    sub, key = v3_cycle_spec
    market = sub.build(engine_rs.Market)
    assert key in {op_key(o) for o in market.scan()}
    benchmark.pedantic(market.scan, rounds=200, iterations=1, warmup_rounds=5)
    _record("size_3hop_v3 engine_rs", _bench_data(benchmark))


@pytest.mark.benchmark(group="market_size_3hop_v3")
def test_size_3hop_v3_reference(benchmark, v3_cycle_spec):
    sub, key = v3_cycle_spec
    market = sub.build(route_search.Market)
    assert key in {op_key(o) for o in market.scan()}
    benchmark.pedantic(market.scan, rounds=5, iterations=1)
    _record("size_3hop_v3 reference", _bench_data(benchmark))
