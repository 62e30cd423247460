"""engine_rs.Market holds the exact pool state: what goes in by updates is what
PoolView reads back, including V3 tick bookkeeping across mints and burns."""

from __future__ import annotations

import pytest

import engine_rs

CHAIN = 1
WETH = "0x" + "00" * 19 + "01"
USDC = "0x" + "00" * 19 + "02"
V2 = "0x" + "00" * 19 + "10"
V3 = "0x" + "00" * 19 + "11"
L = 10**20


def market() -> engine_rs.Market:
    m = engine_rs.Market()
    m.add_token(CHAIN, WETH, 18, "WETH")
    m.add_token(CHAIN, USDC, 6, "USDC")
    m.add_v2_pool(CHAIN, V2, WETH, USDC, 10**21, 2 * 10**12, fee_bps=20, dex="pancake")
    tick = 0
    m.add_v3_pool(
        CHAIN, V3, WETH, USDC, 3000, 60, engine_rs.get_sqrt_ratio_at_tick(tick), tick, L,
        [(-600, L, L), (600, L, -L)], dex="uni-v3",
    )
    return m


def test_pool_views_read_back_what_was_added() -> None:
    m = market()
    v2, v3 = m.pool(CHAIN, V2), m.pool(CHAIN, V3.upper())
    assert (v2.kind, v2.dex, v2.reserve0, v2.reserve1, v2.fee_bps, v2.ticks) == (
        "v2", "pancake", 10**21, 2 * 10**12, 20, None,
    )
    assert (v3.kind, v3.fee, v3.tick_spacing, v3.tick, v3.liquidity) == ("v3", 3000, 60, 0, L)
    assert v3.ticks == [(-600, L, L), (600, L, -L)]
    assert [p.address for p in m.pools(CHAIN)] == [V2, V3.lower()]
    assert m.pools(chain_id=2) == []


def test_updates_change_exactly_the_pools_they_name() -> None:
    m = market()
    sqrt = engine_rs.get_sqrt_ratio_at_tick(-30)
    m.apply_updates([
        ("sync", CHAIN, V2, 10**21 + 5, 2 * 10**12 - 7),
        ("mint", CHAIN, V3, -60, 60, 5),
        ("swap", CHAIN, V3, sqrt, L + 5, -30),
        ("burn", CHAIN, V3, -600, 600, L),
    ])
    v2, v3 = m.pool(CHAIN, V2), m.pool(CHAIN, V3)
    assert (v2.reserve0, v2.reserve1) == (10**21 + 5, 2 * 10**12 - 7)
    # The burn of the whole [-600, 600) position clears both ends; [-60, 60) remains.
    assert v3.ticks == [(-60, 5, 5), (60, 5, -5)]
    assert (v3.sqrt_price_x96, v3.tick, v3.liquidity) == (sqrt, -30, 5)


def test_a_rejected_batch_leaves_every_pool_as_it_was() -> None:
    m = market()
    before = [(p.reserve0, p.reserve1, p.ticks, p.liquidity) for p in m.pools()]
    with pytest.raises(ValueError, match=r"updates\[1\]"):
        m.apply_updates([("sync", CHAIN, V2, 1, 1), ("burn", CHAIN, V3, -600, 600, L + 1)])
    assert [(p.reserve0, p.reserve1, p.ticks, p.liquidity) for p in m.pools()] == before


def test_unknown_pools_are_named() -> None:
    with pytest.raises(ValueError, match="unknown pool"):
        market().pool(CHAIN, "0x" + "ab" * 20)
