"""Engine core: blocks, atomicity, the read model, rollback across chains, fan-out."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine_rs
from engine.core import BlockRejected, Engine, RollbackTooDeep, V2PoolAdded
from engine.core.pubsub import Hub, Resync
from engine.core.state import reserves, slot
from tests.engine_support import (
    block,
    gap_update,
    make_config,
    opp_tuple,
    populate,
    reference_market,
    run,
    token_a,
    token_b,
    v2_pool,
    v3_pool,
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    e = Engine(make_config(tmp_path))
    populate(e)
    return e


def quotes(market: engine_rs.Market | Engine, chain_id: int) -> list[list[int]]:
    m = market.market if isinstance(market, Engine) else market
    return [
        m.quote(chain_id, [pool], token, 10**18)
        for pool in (v2_pool(chain_id), v3_pool(chain_id))
        for token in (token_a(chain_id), token_b(chain_id))
    ]


def test_block_opens_gap_with_engine_rs_amounts(engine: Engine, tmp_path: Path) -> None:
    assert engine.opportunities == []
    opps = engine.apply_block(block(1, 1, [gap_update(1)]))
    reference = reference_market(make_config(tmp_path)).update([gap_update(1)])
    assert [opp_tuple(o) for o in opps] == [opp_tuple(o) for o in reference]
    assert len(opps) == 1 and opps[0].profit_net > 0
    assert opps[0].pools == [v2_pool(1), v3_pool(1)]  # sell A dear on V2, buy it back on V3
    assert engine.head(1).number == 1  # type: ignore[union-attr]
    assert reserves(engine.pool(1, v2_pool(1), "pool"))[1] == 3 * 10**21
    assert engine.view.pools[(1, v2_pool(1))] == 1  # the block of its last change


def test_bad_update_applies_nothing_and_is_reported(engine: Engine) -> None:
    before = quotes(engine, 1)
    bad = block(1, 1, [gap_update(1), ("burn", 1, v3_pool(1), -887220, 887220, 10**30)])
    with pytest.raises(BlockRejected, match="block 1"):
        engine.apply_block(bad)
    assert quotes(engine, 1) == before
    assert engine.head(1).number == 0  # type: ignore[union-attr]
    assert reserves(engine.pool(1, v2_pool(1), "pool"))[1] == 2 * 10**21
    status = next(c for c in engine.status().chains if c.chain_id == 1)
    assert status.blocks_failed == 1 and "block 1" in status.last_error
    engine.apply_block(block(1, 1, [gap_update(1)]))  # the chain goes on
    assert next(c for c in engine.status().chains if c.chain_id == 1).last_error == ""


def test_blocks_must_extend_the_head(engine: Engine) -> None:
    engine.apply_block(block(1, 1, []))
    with pytest.raises(BlockRejected, match="does not extend"):
        engine.apply_block(block(1, 1, []))
    with pytest.raises(BlockRejected, match="reorg"):
        engine.apply_block(block(1, 2, [], parent_fork="other"))


def test_pool_reads_follow_v3_mint_burn_swap(engine: Engine) -> None:
    """The V3 state the engine serves (Engine.pool) simulates exactly like the market's
    own pool, and a view read before a block keeps the state it was read at."""
    pool = engine.pool(1, v3_pool(1), "pool")
    sqrt_price, tick, liquidity = slot(pool)
    swap = engine_rs.V3Pool(sqrt_price, tick, liquidity, 3000, 60,
                           [(t, n) for t, _, n in pool.ticks or []]).swap(True, 10**20)
    engine.apply_block(block(1, 1, [
        ("mint", 1, v3_pool(1), tick - 600 - tick % 60, tick + 600 - tick % 60, 10**21),
        ("swap", 1, v3_pool(1), swap.sqrt_price_x96, swap.liquidity, swap.tick),
        ("mint", 1, v3_pool(1), -1200, 1200, 5 * 10**20),
        ("burn", 1, v3_pool(1), -1200, 1200, 2 * 10**20),
    ]))
    assert slot(pool) == (sqrt_price, tick, liquidity)  # the earlier view is a copy
    read = engine.pool(1, v3_pool(1), "pool")
    assert len(read.ticks or []) == 6 and engine.updated_block(read) == 1
    sqrt_price, tick, liquidity = slot(read)
    replica = engine_rs.V3Pool(sqrt_price, tick, liquidity, 3000, 60,
                              [(t, n) for t, _, n in read.ticks or []])
    for zero_for_one, token in ((True, token_a(1)), (False, token_b(1))):
        for amount in (10**15, 10**19, 10**22):
            expected = -(replica.swap(zero_for_one, amount).amount1 if zero_for_one
                         else replica.swap(zero_for_one, amount).amount0)
            assert engine.market.quote(1, [v3_pool(1)], token, amount) == [expected]


def pool_reads(engine: Engine, chain_id: int) -> list[tuple[object, ...]]:
    """Every pool as Engine.pools serves it (ListPools), with the block of its last change."""
    return [(p.address, p.reserve0, p.reserve1, p.sqrt_price_x96, p.tick, p.liquidity, p.ticks,
             engine.updated_block(p)) for p in engine.pools(chain_id)]


def test_rollback_restores_state_and_results(engine: Engine) -> None:
    engine.apply_block(block(1, 1, [gap_update(1)]))
    after_1 = (quotes(engine, 1), [opp_tuple(o) for o in engine.opportunities])
    pools_1 = pool_reads(engine, 1)
    engine.apply_block(block(1, 2, [gap_update(1, 4 * 10**21)]))
    assert [opp_tuple(o) for o in engine.opportunities] != after_1[1]
    assert pool_reads(engine, 1) != pools_1
    result = engine.rollback(1, 1)
    assert result.removed_blocks == [(2, block(1, 2, []).hash)]
    assert (quotes(engine, 1), [opp_tuple(o) for o in engine.opportunities]) == after_1
    assert pool_reads(engine, 1) == pools_1
    assert engine.head(1).number == 1  # type: ignore[union-attr]
    # the new branch applies on top of block 1
    engine.apply_block(block(1, 2, [gap_update(1, 5 * 10**21)], fork="b", parent_fork=""))
    assert engine.status().chains[0].reorgs == 1


def test_rollback_of_one_chain_keeps_the_others(engine: Engine, tmp_path: Path) -> None:
    """Interleaved blocks of two chains; rolling back chain 1 keeps chain 2 at its head,
    and a later rollback of chain 2 is exact too (the journal's snapshots were rebuilt)."""
    c1 = [gap_update(1, r) for r in (3 * 10**21, 4 * 10**21, 5 * 10**21)]
    c2 = [gap_update(2, r) for r in (21 * 10**20, 22 * 10**20, 23 * 10**20)]
    for n in (1, 2, 3):
        engine.apply_block(block(1, n, [c1[n - 1]]))
        engine.apply_block(block(2, n, [c2[n - 1]]))
    engine.rollback(1, 1)
    expected = reference_market(make_config(tmp_path))
    expected.update([c1[0], *c2])
    assert quotes(engine, 1) == quotes(expected, 1)
    assert quotes(engine, 2) == quotes(expected, 2)
    assert [opp_tuple(o) for o in engine.opportunities] == [opp_tuple(o) for o in expected.scan()]
    assert engine.head(2).number == 3  # type: ignore[union-attr]

    engine.apply_block(block(1, 2, [gap_update(1, 6 * 10**21)], fork="x", parent_fork=""))
    engine.rollback(2, 1)
    expected = reference_market(make_config(tmp_path))
    expected.update([c1[0], gap_update(1, 6 * 10**21), c2[0]])
    assert quotes(engine, 1) == quotes(expected, 1)
    assert quotes(engine, 2) == quotes(expected, 2)
    assert engine.head(1).hash == block(1, 2, [], fork="x").hash  # type: ignore[union-attr]
    assert engine.block_hash(1, 2) == block(1, 2, [], fork="x").hash


def test_rollback_removes_pools_read_above_the_target(engine: Engine) -> None:
    engine.apply_block(block(1, 1, []))
    engine.apply_block(block(1, 2, []))
    late = V2PoolAdded(1, "0x" + "1" + "3" * 39, token_a(1), token_b(1), 10**20, 3 * 10**20,
                       30, "sushiswap", block_number=2)
    engine.add_pools([late])
    assert engine.market.num_pools == 5
    result = engine.rollback(1, 1)
    assert result.removed_pools == [late.address]
    assert engine.market.num_pools == 4 and (1, late.address) not in engine.view.pools
    assert engine.find_pool(1, late.address) is None
    assert len(engine.pools(1)) == 2 and engine.status().chains[0].pools == 2


def test_rollback_below_the_kept_history_is_refused(engine: Engine) -> None:
    # reorg_depth 16 per chain; chain 2 is idle, so the journal is held to its hard
    # cap (4 x the sum of the depths) rather than to chain 1's 16 entries
    for n in range(1, 150):
        engine.apply_block(block(1, n, []))
    assert len(engine.history) <= 4 * (16 + 16)
    with pytest.raises(RollbackTooDeep):
        engine.rollback(1, 5)
    engine.rollback(1, 140)
    assert engine.head(1).number == 140  # type: ignore[union-attr]


def test_events_are_published_with_timestamps(engine: Engine) -> None:
    async def scenario() -> None:
        with engine.subscribe_opportunities() as opps, engine.subscribe_prices() as prices:
            b = block(1, 1, [gap_update(1)])
            engine.apply_block(b)
            event = await opps.get()
            price = await prices.get()
            assert not isinstance(event, Resync) and not isinstance(price, Resync)
            assert event.block_number == 1 and len(event.opportunities) == 1
            assert event.observed_ns == b.observed_ns <= event.published_ns
            assert [p.address for p in price.pools] == [v2_pool(1)]

    run(scenario())


def test_slow_subscriber_resyncs_and_never_blocks() -> None:
    async def scenario() -> None:
        hub: Hub[int] = Hub(maxsize=4)
        slow, fast = hub.subscribe(), hub.subscribe()
        for i in range(4):
            hub.publish(i)
        assert [await fast.get() for _ in range(4)] == [0, 1, 2, 3]
        for i in range(4, 10):
            hub.publish(i)  # slow overflows at 4; publish never waits
            assert await fast.get() == i
        assert await slow.get() == Resync(dropped=10)
        hub.publish(10)
        assert await slow.get() == 10
        assert await fast.get() == 10
        slow.close()
        assert len(hub) == 1

    run(scenario())


def test_malformed_update_is_rejected_not_raised_raw(engine: Engine) -> None:
    with pytest.raises(BlockRejected):
        engine.apply_block(block(1, 1, [("sync", 1, v2_pool(1))]))  # too short
    with pytest.raises(BlockRejected):
        engine.apply_block(block(1, 1, [("swap", 1, v2_pool(1), 1, 2, 3)]))  # wrong pool kind
    assert engine.head(1).number == 0  # type: ignore[union-attr]
