"""engine_rs.Market state changes: incremental re-evaluation equals a full rescan
and a fresh market; bad updates are rejected atomically; snapshot/restore.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.market_gen import (
    INVALID_KINDS,
    UpdateGen,
    add_pool,
    merge_specs,
    op_tuple,
    random_market,
)

engine_rs = pytest.importorskip("engine_rs")
pytestmark = pytest.mark.skipif(
    not hasattr(engine_rs, "Market"), reason="engine_rs.Market not built"
)

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _tuples(ops, with_id=True):
    return [op_tuple(o, with_id) for o in ops]


def _diff(a, b) -> str:
    sa, sb = set(a), set(b)
    return f"only incremental: {sorted(sa - sb)}\nonly rescan: {sorted(sb - sa)}"


def _probe(market, spec, amounts=(10**6, 10**12, 10**18)):
    """evaluate_cycle of every cycle at a few inputs (results or the error's text)."""
    out = []
    for cycle_id, *_ in market.cycles():
        for x in amounts:
            try:
                out.append(tuple(market.evaluate_cycle(cycle_id, x)))
            except ValueError as e:
                out.append(type(e).__name__)
    return out


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    batches=st.lists(st.integers(1, 8), min_size=1, max_size=6),
    gas=st.sampled_from([0, 10**9, 30 * 10**9]),
)
def test_incremental_equals_full_rescan_and_fresh_market(seed, batches, gas):
    spec = random_market(seed, gas_price=gas)
    market = spec.build(engine_rs.Market)
    market.scan()
    gen = UpdateGen(spec, seed)
    log = []
    for n in batches:
        batch = gen.valid_batch(n)
        log.append(batch)
        incremental = _tuples(market.update(batch))
        assert incremental == _tuples(market.opportunities())
        rescan = _tuples(market.scan())
        assert incremental == rescan, (
            f"seed {seed} after {log}\n{_diff(incremental, rescan)}\n{spec.describe()}"
        )
        fresh = _tuples(spec.build(engine_rs.Market).scan(), with_id=False)
        assert _tuples(market.opportunities(), with_id=False) == fresh, (
            f"seed {seed} after {log}\n{_diff(rescan, fresh)}\n{spec.describe()}"
        )


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), steps=st.lists(st.integers(0, 3), min_size=2, max_size=8))
def test_incremental_on_two_chains_with_pool_removal_and_addition(seed, steps):
    spec = merge_specs(
        random_market(seed, chain_id=1, gas_price=10**9),
        random_market(seed + 1, chain_id=10, n_bases=3, gas_price=2 * 10**9),
    )
    market = spec.build(engine_rs.Market)
    market.scan()
    gen = UpdateGen(spec, seed)
    removed = []
    rng = random.Random(seed)
    for step in steps:
        if step == 0 and len(spec.pools) > 4:
            key = rng.choice(list(spec.pools))
            removed.append(spec.pools.pop(key))
            market.remove_pool(*key)
            assert market.num_pools == len(spec.pools)
        elif step == 1 and removed:
            p = removed.pop()
            spec.pools[(p.chain_id, p.address)] = p
            add_pool(market, p)
        else:
            market.update(gen.valid_batch(rng.randint(1, 6)))
        got = _tuples(market.opportunities(), with_id=False)
        fresh = spec.build(engine_rs.Market)
        # the fresh market adds pools in the spec's order: compare as sets, then ranks
        want = _tuples(fresh.scan(), with_id=False)
        assert sorted(got) == sorted(want), f"seed {seed} steps {steps}\n{_diff(got, want)}"
        assert market.num_cycles == fresh.num_cycles
        assert _tuples(market.scan(), with_id=False) == got


@pytest.mark.parametrize("kind", INVALID_KINDS)
@pytest.mark.parametrize("seed", [3, 8])
def test_bad_update_is_rejected_naming_it_and_changes_nothing(seed, kind):
    spec = random_market(seed, gas_price=10**9)
    market = spec.build(engine_rs.Market)
    before = _tuples(market.scan())
    probe = _probe(market, spec)
    gen = UpdateGen(spec.copy(), seed)  # a scratch copy: the prefix must stay unapplied
    prefix = gen.valid_batch(3)
    bad = gen.invalid_one(kind)
    batch = [*prefix, bad, *gen.valid_batch(2)]
    with pytest.raises(ValueError, match=r"updates\[3\]"):
        market.apply_updates(batch)
    with pytest.raises(ValueError, match=r"updates\[0\]"):
        market.update([bad])
    assert _tuples(market.opportunities()) == before, f"{kind}: {bad}"
    assert _probe(market, spec) == probe, f"{kind}: {bad}"
    assert _tuples(market.scan()) == before, f"{kind}: {bad}"


def test_malformed_updates_are_value_errors():
    spec = random_market(5)
    market = spec.build(engine_rs.Market)
    before = _tuples(market.scan())
    v2 = next(p for p in spec.pools.values() if p.kind == "v2")
    v3 = next(p for p in spec.pools.values() if p.kind == "v3")
    s = v3.tick_spacing
    for bad in [
        ("teleport", 1, v2.address, 1, 2),  # unknown kind
        ("sync", 1, v2.address, 1),  # too short
        ("sync", 1, v2.address, -1, 10**18),  # negative reserve
        ("sync", 1, v2.address, 2**112, 10**18),  # beyond uint112
        ("sync", 999, v2.address, 10**18, 10**18),  # pool on another chain
        ("mint", 1, v3.address, 10 * s, 10 * s, 10**18),  # empty range
        ("mint", 1, v3.address, 10 * s, 0, 10**18),  # lower above upper
        ("mint", 1, v3.address, -s, s, -5),  # negative amount
        ("mint", 1, v3.address, -s, s, 2**127),  # beyond int128 (SafeCast.toInt128)
        ("swap", 1, v3.address, 0, 10**18, 0),  # sqrt price out of range
    ]:
        with pytest.raises(ValueError, match=r"updates\[1\]"):
            market.apply_updates([("sync", 1, v2.address, 10**20, 10**20), bad])
    assert _tuples(market.opportunities()) == before


def test_zero_amount_burn_is_accepted_and_changes_nothing():
    # UniswapV3Pool.burn(0) (a "poke" before collecting fees) emits Burn with amount 0
    spec = random_market(5, gas_price=10**9)
    market = spec.build(engine_rs.Market)
    before = _tuples(market.scan())
    v3 = next(p for p in spec.pools.values() if p.kind == "v3" and p.positions)
    lower, upper, _ = v3.positions[0]
    assert market.apply_updates([("burn", 1, v3.address, lower, upper, 0)]) == 1
    assert _tuples(market.opportunities()) == before
    assert _tuples(market.scan()) == before


def test_apply_updates_counts_pools_touched():
    spec = random_market(6)
    market = spec.build(engine_rs.Market)
    gen = UpdateGen(spec, 6)
    batch = gen.valid_batch(6)
    touched = {(u[1], u[2]) for u in batch}
    assert market.apply_updates(batch) == len(touched)


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_snapshot_restore_returns_the_earlier_results(seed):
    spec = random_market(seed, gas_price=10**9)
    market = spec.build(engine_rs.Market)
    before = _tuples(market.scan())
    probe = _probe(market, spec)
    snap = market.snapshot()
    gen = UpdateGen(spec.copy(), seed)
    for _ in range(4):
        market.update(gen.valid_batch(5))
    assert _probe(market, spec) != probe  # the updates did change something
    market.restore(snap)
    assert _tuples(market.opportunities()) == before
    assert _probe(market, spec) == probe
    assert _tuples(market.scan()) == before
    # a snapshot survives being restored twice, and later changes to the market
    market.update(gen.valid_batch(3))
    market.restore(snap)
    assert _tuples(market.scan()) == before


def test_restore_across_a_pool_set_change():
    spec = random_market(9, gas_price=10**9)
    market = spec.build(engine_rs.Market)
    before = _tuples(market.scan(), with_id=False)
    cycles = market.num_cycles
    snap = market.snapshot()
    key = next(iter(spec.pools))
    market.remove_pool(*key)
    assert market.num_cycles < cycles
    market.restore(snap)
    assert market.num_pools == len(spec.pools)
    assert market.num_cycles == cycles
    assert _tuples(market.opportunities(), with_id=False) == before
