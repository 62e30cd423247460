"""engine_rs.Market quoting: best_route against every path of up to 3 hops,
quote and evaluate_cycle against hop-by-hop exact simulation.
"""

from __future__ import annotations

import random

import pytest

from tests.market_gen import brute_paths, random_market, simulate_cycle

engine_rs = pytest.importorskip("engine_rs")
pytestmark = pytest.mark.skipif(
    not hasattr(engine_rs, "Market"), reason="engine_rs.Market not built"
)

GAS = {"v2": 60_000, "v3": 90_000, "tick": 20_000, "overhead": 60_000}


def _amounts_for(spec, token):
    dec = spec.token(1, token).decimals
    return [10 ** max(dec - 6, 0), 10**dec, 10 ** (dec + 3), 10 ** (dec + 7)]


@pytest.mark.parametrize("seed", range(8))
def test_best_route_is_the_best_path_of_up_to_three_hops(seed):
    spec = random_market(seed, n_tokens=7, n_pools=12)
    market = spec.build(engine_rs.Market)
    rng = random.Random(seed)
    tokens = [t.address for t in spec.tokens]
    for _ in range(6):
        t_in, t_out = rng.sample(tokens, 2)
        paths = brute_paths(spec, 1, t_in, t_out, 3)
        for amount in _amounts_for(spec, t_in):
            best = None
            for pools, zfos, toks in paths:
                (out,), per_hop, (crossed,) = simulate_cycle(spec, pools, zfos, [amount])
                if out is not None and (best is None or out > best[0]):
                    best = (out, pools, toks, crossed)
            route = market.best_route(1, t_in, t_out, amount)
            label = (
                f"seed {seed}: {t_in} -> {t_out}, {amount}; brute best {best}\n{spec.describe()}"
            )
            if best is None:
                assert route is None, label
                continue
            assert route is not None, label
            assert route.amount_out == best[0], label
            assert route.amount_in == amount and route.chain_id == 1
            assert route.tokens[0] == t_in and route.tokens[-1] == t_out, label
            assert len(route.tokens) == len(route.pools) + 1 <= 4
            zfos = tuple(route.zero_for_one)
            assert (tuple(route.pools), zfos, tuple(route.tokens)) in paths, label
            (out,), per_hop, (crossed,) = simulate_cycle(spec, tuple(route.pools), zfos, [amount])
            assert list(route.amounts) == [h[0] for h in per_hop], label
            kinds = [spec.pools[(1, a)].kind for a in route.pools]
            assert (
                route.gas_units
                == GAS["overhead"] + sum(GAS[k] for k in kinds) + GAS["tick"] * crossed
            )


def test_best_route_respects_max_hops_and_degenerate_requests():
    spec = random_market(3, n_tokens=7, n_pools=12)
    market = spec.build(engine_rs.Market)
    t = [x.address for x in spec.tokens]
    assert market.best_route(1, t[0], t[0], 10**18) is None
    for a, b in [(t[0], t[3]), (t[2], t[5])]:
        one = market.best_route(1, a, b, 10**12, max_hops=1)
        direct = [p for p in brute_paths(spec, 1, a, b, 1)]
        if direct:
            assert one is not None and len(one.pools) == 1
        else:
            assert one is None
    with pytest.raises(ValueError):
        market.best_route(1, "0x" + "ab" * 20, t[1], 10**18)


@pytest.mark.parametrize("seed", range(6))
def test_quote_and_evaluate_cycle_equal_hop_by_hop_simulation(seed):
    spec = random_market(seed)
    market = spec.build(engine_rs.Market)
    rng = random.Random(seed)
    tokens = [t.address for t in spec.tokens]
    for _ in range(5):
        t_in, t_out = rng.sample(tokens, 2)
        for pools, zfos, toks in brute_paths(spec, 1, t_in, t_out, 3)[:8]:
            for amount in _amounts_for(spec, t_in):
                (out,), per_hop, _ = simulate_cycle(spec, pools, zfos, [amount])
                if out is None:
                    with pytest.raises(ValueError):
                        market.quote(1, list(pools), t_in, amount)
                else:
                    assert market.quote(1, list(pools), t_in, amount) == [h[0] for h in per_hop]
    for cycle_id, chain_id, base, pools, zfos in market.cycles():
        for amount in _amounts_for(spec, base)[1:3]:
            (out,), per_hop, _ = simulate_cycle(spec, tuple(pools), tuple(zfos), [amount])
            if out is None:
                with pytest.raises(ValueError):
                    market.evaluate_cycle(cycle_id, amount)
            else:
                assert market.evaluate_cycle(cycle_id, amount) == [h[0] for h in per_hop]


def test_quote_rejects_a_broken_path():
    spec = random_market(2)
    market = spec.build(engine_rs.Market)
    p = next(iter(spec.pools.values()))
    stranger = next(t.address for t in spec.tokens if t.address not in (p.token0, p.token1))
    with pytest.raises(ValueError):
        market.quote(1, [p.address], stranger, 10**18)
    with pytest.raises(ValueError):
        market.quote(1, ["0x" + "cd" * 20], p.token0, 10**18)
    with pytest.raises(ValueError):
        market.evaluate_cycle(10**6, 10**18)
