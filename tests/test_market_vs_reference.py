"""engine_rs.Market against the pure-Python reference (tests/reference/route_search.py):
the same cycle index, the same set of profitable cycles, profits within 0.1%
(their searches may pick different inputs), before and after updates.
"""

from __future__ import annotations

import pytest

from tests.market_gen import UpdateGen, op_key, random_market, rounding_noise
from tests.reference import route_search

engine_rs = pytest.importorskip("engine_rs")
pytestmark = pytest.mark.skipif(
    not hasattr(engine_rs, "Market"), reason="engine_rs.Market not built"
)


def _tolerance(o) -> int:
    return abs(o.profit_net) // 1000 + rounding_noise(o.amount_in, o.amounts) + 2


def compare(spec, engine_ops, reference_ops, min_profit: int, label: str) -> None:
    eng = {op_key(o): o for o in engine_ops}
    ref = {op_key(o): o for o in reference_ops}
    problems = []
    for key in eng.keys() | ref.keys():
        e, r = eng.get(key), ref.get(key)
        if e is None or r is None:
            only = e or r
            # a cycle right at the threshold may fall either side
            if only.profit_net > min_profit + _tolerance(only):
                problems.append(
                    f"only {'engine' if e else 'reference'}: {key} net {only.profit_net}"
                )
            continue
        tol = max(_tolerance(e), _tolerance(r))
        if abs(e.profit_net - r.profit_net) > tol:
            problems.append(
                f"{key}: engine {e.profit_net} at {e.amount_in}, "
                f"reference {r.profit_net} at {r.amount_in}"
            )
        # the same input gives the same exact result on both sides
        if e.amount_in == r.amount_in:
            assert (e.amounts, e.gas_units, e.gas_cost) == (
                list(r.amounts),
                r.gas_units,
                r.gas_cost,
            ), key
    assert not problems, f"{label}:\n" + "\n".join(problems) + "\n" + spec.describe()


@pytest.mark.parametrize("seed", range(12))
def test_same_cycles_and_profits(seed):
    spec = random_market(seed, gas_price=(0, 10**9, 20 * 10**9)[seed % 3])
    eng = spec.build(engine_rs.Market, top_k=10**6)
    ref = spec.build(route_search.Market, top_k=10**6)
    assert eng.num_cycles == ref.num_cycles
    assert {tuple(map(str, c[2:3])) + (tuple(c[3]), tuple(c[4])) for c in eng.cycles()} == {
        tuple(map(str, c[2:3])) + (tuple(c[3]), tuple(c[4])) for c in ref.cycles()
    }
    compare(spec, eng.scan(), ref.scan(), 1, f"seed {seed}")


@pytest.mark.parametrize("seed", range(4))
def test_same_results_after_updates(seed):
    spec = random_market(seed + 50, gas_price=10**9)
    eng = spec.build(engine_rs.Market, top_k=10**6)
    ref = spec.build(route_search.Market, top_k=10**6)
    eng.scan()
    ref.scan()
    gen = UpdateGen(spec, seed)
    for step in range(4):
        batch = gen.valid_batch(4)
        compare(spec, eng.update(batch), ref.update(batch), 1, f"seed {seed + 50} step {step}")
    # the reference's own incremental path equals its full rescan
    assert [op_key(o) for o in ref.opportunities()] == [op_key(o) for o in ref.scan()]


def test_same_best_routes_and_quotes():
    spec = random_market(21, n_tokens=7, n_pools=12)
    eng = spec.build(engine_rs.Market)
    ref = spec.build(route_search.Market)
    tokens = [t.address for t in spec.tokens]
    for a in tokens[:4]:
        for b in tokens:
            if a == b:
                continue
            for amount in (10**6, 10**15, 10**20):
                e, r = eng.best_route(1, a, b, amount), ref.best_route(1, a, b, amount)
                assert (e is None) == (r is None), (a, b, amount)
                if e is not None:
                    assert e.amount_out == r.amount_out, (a, b, amount)
                    assert eng.quote(1, r.pools, a, amount) == ref.quote(1, r.pools, a, amount)
