"""engine_rs.Market against brute force on random small markets (V2 and V3 mixed).

Cycles are enumerated independently (permutations of pools), each one's best
net profit found by a dense log grid (2,000 inputs over [1, max_input]) plus
linear refinement on the exact simulation. No cycle whose grid optimum clears
``min_profit`` by a margin may be missing from the engine's results (top_k
large), and each reported profit must be within 0.1% of the grid's best (plus
the rounding noise of one raw unit of an intermediate amount: dust trades
have a sawtooth profit).
"""

from __future__ import annotations

import pytest

from tests.market_gen import (
    DEFAULT_GAS,
    brute_cycles,
    grid_best,
    op_key,
    random_market,
    rounding_noise,
)

engine_rs = pytest.importorskip("engine_rs")
pytestmark = pytest.mark.skipif(
    not hasattr(engine_rs, "Market"), reason="engine_rs.Market not built"
)

MIN_PROFIT = 1_000


def _check(spec, label: str) -> None:
    market = spec.build(engine_rs.Market, min_profit=MIN_PROFIT, top_k=1_000_000)
    found = {op_key(o): o for o in market.scan()}
    chain_id = next(iter(spec.bases))
    max_hops = spec.params["max_hops"]
    cycles = brute_cycles(spec, max_hops)
    # the index holds exactly the simple cycles
    indexed = {(c[2], tuple(c[3]), tuple(c[4])) for c in market.cycles()}
    assert indexed == {(c[0], c[1], c[2]) for c in cycles}, (
        f"{label}: cycle index differs\n{spec.describe()}"
    )
    assert market.num_cycles == len(cycles)
    problems = []
    for cycle in cycles:
        base, pools, zfos, _ = cycle
        net, x, _gross = grid_best(spec, cycle, DEFAULT_GAS)
        got = found.get((chain_id, base, pools, zfos))
        if got is None:
            if net is not None and net > MIN_PROFIT + max(net // 1000, 0) + 2:
                problems.append(f"MISSING {pools} {zfos}: grid net {net} at {x}")
            continue
        assert got.amount_in <= spec.max_input[chain_id]
        if net is None:
            problems.append(
                f"REPORTED but the grid found no feasible input: {pools} {zfos} {got.profit_net}"
            )
            continue
        tolerance = max(net, 0) // 1000 + rounding_noise(got.amount_in, got.amounts) + 2
        if got.profit_net < net - tolerance:
            problems.append(
                f"LOW {pools} {zfos}: engine net {got.profit_net} at {got.amount_in}, "
                f"grid {net} at {x} ({(net - got.profit_net) / net:.4%} below)"
            )
    assert not problems, f"{label}:\n" + "\n".join(problems) + "\n" + spec.describe()


@pytest.mark.parametrize("seed", range(40))
def test_no_profitable_cycle_missed_and_sizes_near_grid_optimum(seed):
    spec = random_market(seed, gas_price=10**9 if seed % 2 else 0)
    _check(spec, f"seed {seed}")


@pytest.mark.parametrize("seed", range(100, 106))
def test_four_hop_cycles(seed):
    spec = random_market(seed, n_tokens=6, n_pools=8, n_bases=2, max_hops=4, gas_price=10**9)
    _check(spec, f"seed {seed} (max_hops 4)")


@pytest.mark.parametrize("seed", range(200, 204))
def test_max_input_caps_the_trade(seed):
    # a cap well below the optimal inputs: the best is then at (or next to) the cap
    spec = random_market(seed, gas_price=0, max_input=10**15)
    _check(spec, f"seed {seed} (max_input 1e15)")


@pytest.mark.parametrize("seed", range(300, 304))
def test_all_v2_markets_use_the_closed_form(seed):
    spec = random_market(seed, v3_share=0.0, gas_price=10**9)
    _check(spec, f"seed {seed} (all V2)")


@pytest.mark.parametrize("seed", range(400, 404))
def test_all_v3_markets(seed):
    spec = random_market(seed, v3_share=1.0, gas_price=10**9)
    _check(spec, f"seed {seed} (all V3)")
