"""Self-tests of the pure-Python route search (tests/reference/route_search.py)
and of the market generator, without engine_rs.Market: the reference must be
right on its own before it can judge the Rust.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.market_gen import (
    DEFAULT_GAS,
    INVALID_KINDS,
    UpdateGen,
    brute_cycles,
    grid_best,
    op_key,
    op_tuple,
    random_market,
    rounding_noise,
    tick_bounds,
)
from tests.reference import route_search
from tests.reference.route_search import Market
from tests.reference.tick_math import get_tick_at_sqrt_ratio

SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

WETH = "0x" + "11" * 20
USDC = "0x" + "22" * 20
TKN = "0x" + "33" * 20


@pytest.mark.parametrize("seed", range(6))
def test_generator_keeps_ticks_consistent_with_positions(seed):
    spec = random_market(seed, n_pools=20, v3_share=0.8)
    gen = UpdateGen(spec, seed)
    for _ in range(3):
        for p in spec.pools.values():
            if p.kind != "v3":
                assert 0 < p.reserve0 < 2**112 and 0 < p.reserve1 < 2**112
                continue
            lo, hi = tick_bounds(p.tick_spacing)
            gross, net, active = {}, {}, 0
            for lower, upper, amount in p.positions:
                assert (
                    lo <= lower < upper <= hi
                    and lower % p.tick_spacing == 0 == upper % p.tick_spacing
                )
                for t, sign in ((lower, 1), (upper, -1)):
                    gross[t] = gross.get(t, 0) + amount
                    net[t] = net.get(t, 0) + sign * amount
                if lower <= p.tick < upper:
                    active += amount
            assert p.ticks == {t: [gross[t], net[t]] for t in gross if gross[t]}
            assert p.liquidity == active
            assert sum(n for _, n in p.ticks.values()) == 0
        gen.valid_batch(10)
    # swaps keep (sqrt price, tick) as the pool reports them
    for p in spec.pools.values():
        if p.kind == "v3":
            t = get_tick_at_sqrt_ratio(p.sqrt_price_x96)
            assert p.tick in (t, t - 1)


@pytest.mark.parametrize("max_hops", [2, 3, 4])
@pytest.mark.parametrize("seed", range(3))
def test_cycle_index_is_every_simple_cycle(seed, max_hops):
    spec = random_market(seed, n_tokens=6, n_pools=9 if max_hops == 4 else 12, max_hops=max_hops)
    m = spec.build(Market)
    got = [(c[2], tuple(c[3]), tuple(c[4])) for c in m.cycles()]
    assert len(got) == len(set(got)) == m.num_cycles
    assert set(got) == {c[:3] for c in brute_cycles(spec, max_hops)}
    for cycle_id, chain_id, base, pools, zfos in m.cycles():
        assert all(cycle_id in m._pool_cycles[(chain_id, a)] for a in pools)


@pytest.mark.parametrize("seed", range(6))
def test_reference_finds_grid_optimum(seed):
    spec = random_market(seed, gas_price=10**9 if seed % 2 else 0)
    found = {op_key(o): o for o in spec.build(Market, top_k=10**6).scan()}
    for cycle in brute_cycles(spec, 3):
        net, x, _ = grid_best(spec, cycle, DEFAULT_GAS)
        got = found.get((1, *cycle[:3]))
        label = f"seed {seed} {cycle[:3]}: grid {net} at {x}, reference {got}\n{spec.describe()}"
        if got is None:
            assert net is None or net <= 1 + abs(net) // 1000 + 2, label
        else:
            assert net is not None
            assert (
                got.profit_net
                >= net - abs(net) // 1000 - rounding_noise(got.amount_in, got.amounts) - 2
            ), label


def _hand_market(**kw) -> Market:
    m = Market(**kw)
    m.add_token(1, WETH, 18, "WETH")
    m.add_token(1, USDC, 6, "USDC")
    m.add_token(1, TKN, 18, "TKN")
    # WETH/TKN on two DEXes, 2% apart; WETH/USDC for gas
    m.add_v2_pool(1, "0x" + "a1" * 20, WETH, TKN, 1000 * 10**18, 2_000_000 * 10**18, 30)
    m.add_v2_pool(1, "0x" + "a2" * 20, WETH, TKN, 1000 * 10**18, 2_040_000 * 10**18, 30)
    m.add_v2_pool(1, "0x" + "a3" * 20, USDC, WETH, 3_000_000 * 10**6, 1000 * 10**18, 30)
    m.set_base_tokens(1, [WETH, USDC])
    return m


def test_v2_closed_form_is_the_integer_optimum():
    m = _hand_market()
    ops = m.scan()
    best = ops[0]
    assert best.pools == ["0x" + "a2" * 20, "0x" + "a1" * 20]
    # the closed form lands within a few units of the exact integer optimum
    x = best.amount_in

    def profit(y: int) -> int:
        return m.evaluate_cycle(best.cycle_id, y)[-1] - y

    for delta in (x // 10**6, x // 10**4, x // 100):
        assert profit(x) >= profit(x + delta) and profit(x) >= profit(x - delta)
    # the closed form by hand: WETH -> TKN on a2 (2040 TKN/WETH), TKN -> WETH on a1 (2000)
    g = 0.997
    a, d, c = g * 2_040_000e18, 1000e18, g  # after the first hop (A x / (D + C x))
    a, d, c = g * 1000e18 * a, 2_000_000e18 * d, 2_000_000e18 * c + g * a
    assert abs(best.amount_in - round((math.sqrt(a * d) - d) / c)) <= x // 10**12
    assert best.tokens == [WETH, TKN, WETH] and best.zero_for_one == [WETH < TKN, TKN < WETH]


def test_gas_cost_in_base_at_the_deepest_native_pool():
    m = _hand_market(gas_overhead=100_000, gas_v2_hop=50_000)
    m.set_gas_price(1, 10 * 10**9, WETH)
    # a shallower WETH/USDC pool at another price must not be used
    m.add_v2_pool(1, "0x" + "a4" * 20, WETH, USDC, 10**18, 5000 * 10**6, 30)
    for o in m.scan():
        wei = o.gas_units * 10 * 10**9
        assert o.gas_units == 100_000 + 50_000 * len(o.pools)
        if o.base_token == WETH:
            assert o.gas_cost == wei
        else:
            assert o.gas_cost == wei * 3_000_000 * 10**6 // (1000 * 10**18)
        assert o.profit_net == o.profit_gross - o.gas_cost


@pytest.mark.parametrize("kind", INVALID_KINDS)
def test_bad_updates_raise_naming_the_update_and_change_nothing(kind):
    spec = random_market(3, gas_price=10**9)
    m = spec.build(Market)
    before = [op_tuple(o) for o in m.scan()]
    gen = UpdateGen(spec.copy(), 3)
    batch = [*gen.valid_batch(2), gen.invalid_one(kind)]
    with pytest.raises(ValueError, match=r"updates\[2\]"):
        m.update(batch)
    assert [op_tuple(o) for o in m.opportunities()] == before
    assert [op_tuple(o) for o in m.scan()] == before


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), batches=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_reference_incremental_equals_full_rescan(seed, batches):
    spec = random_market(seed, gas_price=10**9)
    m = spec.build(Market)
    m.scan()
    gen = UpdateGen(spec, seed)
    for n in batches:
        inc = [op_tuple(o) for o in m.update(gen.valid_batch(n))]
        assert inc == [op_tuple(o) for o in m.scan()]
        assert inc == [op_tuple(o) for o in spec.build(Market).scan()]


def test_snapshot_restore():
    spec = random_market(4, gas_price=10**9)
    m = spec.build(Market)
    before = [op_tuple(o) for o in m.scan()]
    snap = m.snapshot()
    m.update(UpdateGen(spec, 4).valid_batch(8))
    m.restore(snap)
    assert [op_tuple(o) for o in m.opportunities()] == before
    assert [op_tuple(o) for o in m.scan()] == before


def test_best_route_and_quote():
    m = _hand_market()
    r = m.best_route(1, WETH, TKN, 10**18)
    assert r.pools == ["0x" + "a2" * 20] and r.amount_out == m.quote(1, r.pools, WETH, 10**18)[-1]
    r = m.best_route(1, USDC, TKN, 10**9)
    assert r.tokens == [USDC, WETH, TKN] and len(r.amounts) == 2
    assert m.best_route(1, TKN, TKN, 1) is None
    assert route_search.Market().max_hops == 3
