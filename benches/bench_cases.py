"""The inputs every implementation is timed on (engine_rs, the pure-Python reference, degenbot).

Built once per session from fixed seeds; plain ints, tuples and dicts only, so the
same cases travel as JSON to the degenbot subprocess (``degenbot_peer.py``).

V2: 10,000 quotes ``(amount_in, reserve_in, reserve_out)`` with reserves from
1e15 to 1e27 raw units (uint112 holds ~5.2e33) and inputs from 1e-6 to 10% of
``reserve_in``; fee 30 bps.

V3: one pool shaped like a busy 0.3% pool: tick spacing 60, current tick near
198,030 (an ETH/USDC-like price), a position on every tick spacing for 100
spacings either side plus a wide position over 200 spacings either side, so
every spacing from 186,000 to 210,000 is an initialized tick (203 ticks).
Each swap is exact input, token0 in (``zero_for_one``), with the amount that
takes the price to the middle of the k-th spacing below the current one: it
crosses exactly k = 0, 1 or 10 initialized ticks (asserted on engine_rs's
``ticks_crossed``). The price path stays inside one bitmap word, so the step
count is k + 1.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

V2_BATCH = 10_000
V2_FEE_BPS = 30
V2_SEED = 20_240_601

V3_FEE = 3000
V3_TICK_SPACING = 60
V3_CENTER = 60 * 3300  # 198,000: an initialized tick, inside bitmap word 12 (compressed 3300)
V3_SPACINGS_EACH_SIDE = 100
V3_SEED = 7
V3_CROSSINGS = (0, 1, 10)


def v2_quotes(n: int = V2_BATCH, seed: int = V2_SEED) -> list[tuple[int, int, int]]:
    """``n`` quotes ``(amount_in, reserve_in, reserve_out)``; same seed, same quotes."""
    rng = random.Random(seed)
    quotes = []
    for _ in range(n):
        reserve_in = rng.randrange(10**15, 10**27)
        reserve_out = rng.randrange(10**15, 10**27)
        amount_in = rng.randrange(max(1, reserve_in // 10**6), reserve_in // 10)
        quotes.append((amount_in, reserve_in, reserve_out))
    return quotes


def v3_pool_state(seed: int = V3_SEED) -> dict[str, Any]:
    """The pool: ``sqrt_price_x96, tick, liquidity, fee, tick_spacing`` and its ticks.

    ``ticks`` is ``[(tick, liquidity_net, liquidity_gross)]`` ascending (degenbot
    wants the gross too; engine_rs and the reference take ``(tick, net)``).
    ``sqrt_price_x96`` is filled in by :func:`v3_cases` (it needs TickMath).
    """
    rng = random.Random(seed)
    spacing = V3_TICK_SPACING
    net: dict[int, int] = {}
    gross: dict[int, int] = {}

    def add_position(lower: int, upper: int, liquidity: int) -> None:
        for t, delta in ((lower, liquidity), (upper, -liquidity)):
            net[t] = net.get(t, 0) + delta
            gross[t] = gross.get(t, 0) + liquidity

    wide = 2 * V3_SPACINGS_EACH_SIDE * spacing
    add_position(V3_CENTER - wide, V3_CENTER + wide, 4 * 10**18)
    for i in range(-V3_SPACINGS_EACH_SIDE, V3_SPACINGS_EACH_SIDE):
        lower = V3_CENTER + i * spacing
        add_position(lower, lower + spacing, rng.randrange(5 * 10**17, 3 * 10**18))

    tick = V3_CENTER + spacing // 2  # 198,030: mid-spacing, above the initialized 198,000
    liquidity = sum(n for t, n in net.items() if t <= tick)
    return {
        "tick": tick,
        "liquidity": liquidity,
        "fee": V3_FEE,
        "tick_spacing": spacing,
        "ticks": [(t, net[t], gross[t]) for t in sorted(net)],
    }


def v3_cases(
    get_sqrt_ratio_at_tick: Callable[[int], int],
    make_pool: Callable[..., Any],
) -> list[dict[str, Any]]:
    """One case per crossing count: ``{name, crossings, pool, zero_for_one, amount}``.

    ``make_pool(sqrt_price_x96, tick, liquidity, fee, tick_spacing, ticks)`` is
    engine_rs's or the reference's ``V3Pool``; the amount is what a swap limited
    to the middle of the target spacing takes in, so the unlimited swap of that
    amount ends there (the caller asserts ``ticks_crossed``).
    """
    state = v3_pool_state()
    tick = state["tick"]
    state["sqrt_price_x96"] = (get_sqrt_ratio_at_tick(tick) + get_sqrt_ratio_at_tick(tick + 1)) // 2
    pool = make_pool(
        state["sqrt_price_x96"],
        tick,
        state["liquidity"],
        state["fee"],
        state["tick_spacing"],
        [(t, n) for t, n, _ in state["ticks"]],
    )
    cases = []
    for k in V3_CROSSINGS:
        # k = 0: stay above 198,000; k >= 1: end mid-way in [198,000 - 60k, 198,000 - 60(k-1)).
        target_tick = V3_CENTER + 15 if k == 0 else V3_CENTER - V3_TICK_SPACING * k + 30
        limit = get_sqrt_ratio_at_tick(target_tick)
        amount = pool.swap(True, 2**200, limit).amount0
        cases.append(
            {
                "name": f"v3_swap_{k}_crossings",
                "crossings": k,
                "pool": state,
                "zero_for_one": True,
                "amount": amount,
            }
        )
    return cases


def make_pool(pool_class: Callable[..., Any], state: dict[str, Any]) -> Any:
    """``pool_class(sqrt_price_x96, tick, liquidity, fee, tick_spacing, [(tick, net)])``."""
    return pool_class(
        state["sqrt_price_x96"],
        state["tick"],
        state["liquidity"],
        state["fee"],
        state["tick_spacing"],
        [(t, n) for t, n, _ in state["ticks"]],
    )


def swap_tuple(result: Any) -> tuple[int, int, int, int, int]:
    """The Swap event's fields in degenbot's order: amount0, amount1, sqrt price, liquidity, tick."""
    return (result.amount0, result.amount1, result.sqrt_price_x96, result.liquidity, result.tick)
