"""Every Opportunity engine_rs.Market reports, re-simulated hop by hop with the
exact one-pool functions (``engine_rs.v2_get_amount_out``, ``engine_rs.V3Pool.swap``)
built from the same pool state, gives exactly its amounts, gas and profits; its
tokens, pools and directions are consistent; the list is ranked and cut at top_k.
"""

from __future__ import annotations

import itertools

import pytest

from tests.market_gen import (
    DEFAULT_GAS,
    gas_cost_fn,
    merge_specs,
    op_tuple,
    random_market,
)

engine_rs = pytest.importorskip("engine_rs")
pytestmark = pytest.mark.skipif(
    not hasattr(engine_rs, "Market"), reason="engine_rs.Market not built"
)

Q96 = 1 << 96


def _resimulate(spec, o):
    """(amounts, ticks crossed) of the opportunity's path at its input, from the spec's state."""
    x = o.amount_in
    amounts, crossed = [], 0
    for address, zfo in zip(o.pools, o.zero_for_one):
        p = spec.pools[(o.chain_id, address)]
        if p.kind == "v2":
            r_in, r_out = (p.reserve0, p.reserve1) if zfo else (p.reserve1, p.reserve0)
            x = engine_rs.v2_get_amount_out(x, r_in, r_out, p.fee_bps)
        else:
            r = p.swap_pool().swap(zfo, x)
            paid, got = (r.amount0, -r.amount1) if zfo else (r.amount1, -r.amount0)
            assert paid == x, f"hop {address} does not spend its whole input {x} (paid {paid})"
            x = got
            crossed += r.ticks_crossed
        amounts.append(x)
    return amounts, crossed


def _base_per_native(spec, chain_id, base):
    """The rank conversion: base units per native unit at the deepest native/base pool (f64)."""
    if chain_id not in spec.gas_price:
        return 1.0
    native = spec.native[chain_id]
    if base == native:
        return 1.0
    one = 10 ** spec.token(chain_id, native).decimals
    priced = spec.copy()
    priced.gas_price[chain_id] = 1
    unit = gas_cost_fn(priced, chain_id, base, DEFAULT_GAS)(one)
    return unit / one if unit else 1.0


def _check(spec, market, label):
    ops = market.scan()
    assert [op_tuple(o) for o in ops] == [op_tuple(o) for o in market.opportunities()]
    params = market_params(spec)
    ranks = []
    for o in ops:
        msg = f"{label}: {op_tuple(o)}\n{spec.describe()}"
        base = o.base_token
        n = len(o.pools)
        assert 2 <= n <= params["max_hops"], msg
        assert len(o.tokens) == n + 1 and o.tokens[0] == base == o.tokens[-1], msg
        assert len(set(o.tokens[:-1])) == n and len(set(o.pools)) == n, msg
        assert base in spec.bases[o.chain_id], msg
        for i, (address, zfo) in enumerate(zip(o.pools, o.zero_for_one)):
            p = spec.pools[(o.chain_id, address)]
            t_in, t_out = (p.token0, p.token1) if zfo else (p.token1, p.token0)
            assert (o.tokens[i], o.tokens[i + 1]) == (t_in, t_out), msg
        amounts, crossed = _resimulate(spec, o)
        assert list(o.amounts) == amounts, msg
        assert o.amount_out == amounts[-1], msg
        assert 1 <= o.amount_in <= spec.max_input[o.chain_id], msg
        assert o.profit_gross == o.amount_out - o.amount_in, msg
        kinds = [spec.pools[(o.chain_id, a)].kind for a in o.pools]
        units = (
            params["gas_overhead"]
            + sum(params["gas_v2_hop"] if k == "v2" else params["gas_v3_hop"] for k in kinds)
            + params["gas_v3_tick"] * crossed
        )
        assert o.gas_units == units, msg
        assert o.gas_cost == gas_cost_fn(spec, o.chain_id, base, DEFAULT_GAS)(units), msg
        assert o.profit_net == o.profit_gross - o.gas_cost, msg
        assert o.profit_net >= params["min_profit"], msg
        ranks.append(o.profit_net / _base_per_native(spec, o.chain_id, base))
    for a, b in itertools.pairwise(ranks):
        assert a >= b * (1 - 1e-9) - 1e-9, f"{label}: not ranked: {ranks}"
    return ops


def market_params(spec):
    return {
        "max_hops": 3,
        "min_profit": 1,
        "top_k": 100,
        "gas_overhead": 60_000,
        "gas_v2_hop": 60_000,
        "gas_v3_hop": 90_000,
        "gas_v3_tick": 20_000,
        **spec.params,
    }


@pytest.mark.parametrize("seed", range(12))
def test_reported_opportunities_resimulate_exactly(seed):
    spec = random_market(seed, gas_price=(0, 10**9, 30 * 10**9)[seed % 3])
    _check(spec, spec.build(engine_rs.Market), f"seed {seed}")


@pytest.mark.parametrize("seed", range(4))
def test_two_chains_with_custom_gas_parameters(seed):
    a = random_market(seed, chain_id=1, gas_price=10**9)
    b = random_market(seed + 1000, chain_id=137, n_bases=3, gas_price=50 * 10**9)
    spec = merge_specs(a, b)
    spec.params.update(
        gas_overhead=21_000,
        gas_v2_hop=50_000,
        gas_v3_hop=100_000,
        gas_v3_tick=15_000,
        min_profit=10,
    )
    ops = _check(spec, spec.build(engine_rs.Market), f"seeds {seed}/{seed + 1000}")
    assert {o.chain_id for o in ops} <= {1, 137}


@pytest.mark.parametrize("seed", range(4))
def test_top_k_is_a_prefix_of_the_full_ranking(seed):
    spec = random_market(seed + 10, n_pools=18, gas_price=10**9)
    full = [op_tuple(o) for o in spec.build(engine_rs.Market, top_k=10_000).scan()]
    for k in (1, 3):
        top = [op_tuple(o) for o in spec.build(engine_rs.Market, top_k=k).scan()]
        assert top == full[:k], spec.describe()


def test_gas_without_a_native_base_pool_is_not_valued_as_free():
    # base USDC, native WETH, gas priced, but no WETH/USDC pool: the engine cannot value
    # gas, so it reports no cycle of that base rather than one with a free gas cost
    spec = random_market(7, n_bases=2, gas_price=10**9)
    chain_id = 1
    native, usdc = spec.bases[chain_id]
    for key in [k for k, p in spec.pools.items() if {p.token0, p.token1} == {native, usdc}]:
        del spec.pools[key]
    ops = spec.build(engine_rs.Market).scan()
    assert not [op_tuple(o) for o in ops if o.base_token == usdc]
