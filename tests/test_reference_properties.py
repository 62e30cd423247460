"""engine_rs against the pure-Python reference (tests/reference/), property by property.

Every function of the engine_rs stub is run on the same hypothesis-generated
inputs as its reference twin; results must be equal field by field and reverts
must carry the same reason. Examples are derandomized, so a failure reproduces
on every run, and each one notes its inputs (for a pool: the whole state, as a
constructor call you can paste).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st

import engine_rs
from tests import reference as ref
from tests.reference.evm import INT256_MAX, INT256_MIN, UINT128_MAX, UINT160_MAX, UINT256_MAX

MIN_TICK, MAX_TICK = ref.MIN_TICK, ref.MAX_TICK
MIN_SQRT_RATIO, MAX_SQRT_RATIO = ref.MIN_SQRT_RATIO, ref.MAX_SQRT_RATIO


def reproducible(max_examples: int) -> Callable[[Any], Any]:
    """Fixed examples (derandomize), no deadline, no example database."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- comparing outcomes ---------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A comparable form: SwapResults become field tuples, reverts ("revert", reason)."""
    if isinstance(value, (engine_rs.SwapRevert, ref.SwapRevert)):
        return ("revert", value.reason)
    if isinstance(value, (engine_rs.SwapResult, ref.SwapResult)):
        return (
            "swap",
            value.amount0,
            value.amount1,
            value.sqrt_price_x96,
            value.tick,
            value.liquidity,
            value.ticks_crossed,
        )
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def outcome(function: Callable[..., Any], *args: Any) -> Any:
    """The result of ``function(*args)``; ``("revert", reason)`` if it reverts; for other
    ``ValueError``s (bad input, not a revert) ``("invalid", exception type)``."""
    try:
        return _plain(function(*args))
    except (engine_rs.SwapRevert, ref.SwapRevert) as error:
        return ("revert", error.reason)
    except ValueError as error:
        return ("invalid", type(error).__name__)


def assert_same(name: str, *args: Any) -> Any:
    """engine_rs.<name>(*args) and reference.<name>(*args) agree; returns the outcome."""
    note(f"{name}{args!r}")
    expected = outcome(getattr(ref, name), *args)
    actual = outcome(getattr(engine_rs, name), *args)
    assert actual == expected, f"{name}{args!r}: engine_rs {actual!r} != reference {expected!r}"
    return expected


# --- number strategies ----------------------------------------------------------------


def uints(bits: int) -> st.SearchStrategy[int]:
    """uintN values: uniform, log-uniform (every magnitude), and the edges of each power of 2."""
    top = (1 << bits) - 1
    return st.one_of(
        st.integers(0, top),
        st.integers(0, bits).flatmap(lambda k: st.integers(0, (1 << k) - 1)),
        st.builds(
            lambda k, d: min(top, max(0, (1 << k) + d)), st.integers(0, bits), st.integers(-2, 2)
        ),
        st.sampled_from([0, 1, 2, top - 1, top]),
    )


def sqrt_prices() -> st.SearchStrategy[int]:
    """Valid sqrt prices: any magnitude in [MIN_SQRT_RATIO, MAX_SQRT_RATIO), and tick boundaries."""
    return st.one_of(
        uints(160).filter(lambda p: MIN_SQRT_RATIO <= p < MAX_SQRT_RATIO),
        st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1),
        st.integers(MIN_TICK, MAX_TICK).map(ref.get_sqrt_ratio_at_tick),
        st.sampled_from([MIN_SQRT_RATIO, MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1, 1 << 96]),
    )


fees_pips = st.one_of(st.sampled_from([0, 1, 100, 500, 3000, 10000, 999999]), st.integers(0, 999999))
int256s = st.one_of(
    uints(255).map(lambda x: min(x, INT256_MAX)),
    uints(255).map(lambda x: -x),
    st.sampled_from([INT256_MIN, INT256_MIN + 1, -1, 1, INT256_MAX]),
)


# --- FullMath ------------------------------------------------------------------------


@reproducible(600)
@given(a=uints(256), b=uints(256), denominator=uints(256))
@example(a=1, b=1, denominator=0)
@example(a=0, b=0, denominator=0)
@example(a=UINT256_MAX, b=UINT256_MAX, denominator=UINT256_MAX)
@example(a=UINT256_MAX, b=UINT256_MAX, denominator=UINT256_MAX - 1)
@example(
    a=535006138814359,
    b=432862656469423142931042426214547535783388063929571229938474969,
    denominator=2,
)
def test_mul_div(a: int, b: int, denominator: int) -> None:
    assert_same("mul_div", a, b, denominator)
    assert_same("mul_div_rounding_up", a, b, denominator)


@reproducible(300)
@given(result=uints(256), denominator=uints(256).filter(bool), data=st.data())
def test_mul_div_near_the_overflow_edge(result: int, denominator: int, data: st.DataObject) -> None:
    """Products chosen so the quotient lands at or just around 2**256."""
    product = result * denominator + data.draw(st.integers(0, denominator - 1))
    a = data.draw(st.sampled_from([1, 2, 3, 1 << 128, denominator]))
    assume(product // a <= UINT256_MAX)
    assert_same("mul_div", a, product // a, denominator)
    assert_same("mul_div_rounding_up", a, product // a, denominator)


# --- TickMath ------------------------------------------------------------------------


@reproducible(800)
@given(tick=st.one_of(st.integers(MIN_TICK - 5, MAX_TICK + 5), st.integers(-2000, 2000)))
@example(tick=MIN_TICK)
@example(tick=MAX_TICK)
@example(tick=MIN_TICK - 1)
@example(tick=MAX_TICK + 1)
@example(tick=0)
def test_get_sqrt_ratio_at_tick(tick: int) -> None:
    assert_same("get_sqrt_ratio_at_tick", tick)


@reproducible(800)
@given(
    sqrt_price=st.one_of(
        uints(160),
        st.builds(
            lambda tick, delta: ref.get_sqrt_ratio_at_tick(tick) + delta,
            st.integers(MIN_TICK, MAX_TICK),
            st.integers(-2, 2),
        ),
    )
)
@example(sqrt_price=MIN_SQRT_RATIO)
@example(sqrt_price=MIN_SQRT_RATIO - 1)
@example(sqrt_price=MAX_SQRT_RATIO - 1)
@example(sqrt_price=MAX_SQRT_RATIO)
def test_get_tick_at_sqrt_ratio(sqrt_price: int) -> None:
    assert_same("get_tick_at_sqrt_ratio", sqrt_price)


# --- SqrtPriceMath ----------------------------------------------------------------------


@reproducible(600)
@given(sqrt_price=uints(160), liquidity=uints(128), amount=uints(256), zero_for_one=st.booleans())
@example(sqrt_price=1 << 96, liquidity=1, amount=UINT256_MAX // 2, zero_for_one=True)
@example(sqrt_price=UINT160_MAX, liquidity=1024, amount=1024, zero_for_one=False)
@example(sqrt_price=20282409603651670423947251286016, liquidity=1024, amount=4, zero_for_one=False)
@example(sqrt_price=0, liquidity=1, amount=1, zero_for_one=True)
@example(sqrt_price=1, liquidity=0, amount=1, zero_for_one=True)
def test_next_sqrt_price(sqrt_price: int, liquidity: int, amount: int, zero_for_one: bool) -> None:
    assert_same("get_next_sqrt_price_from_input", sqrt_price, liquidity, amount, zero_for_one)
    assert_same("get_next_sqrt_price_from_output", sqrt_price, liquidity, amount, zero_for_one)


@reproducible(600)
@given(
    sqrt_a=st.one_of(uints(160), sqrt_prices()),
    sqrt_b=st.one_of(uints(160), sqrt_prices()),
    liquidity=uints(128),
    round_up=st.booleans(),
)
@example(sqrt_a=0, sqrt_b=1 << 96, liquidity=1, round_up=True)
@example(sqrt_a=UINT160_MAX, sqrt_b=1, liquidity=UINT128_MAX, round_up=True)
def test_amount_deltas(sqrt_a: int, sqrt_b: int, liquidity: int, round_up: bool) -> None:
    assert_same("get_amount0_delta", sqrt_a, sqrt_b, liquidity, round_up)
    assert_same("get_amount1_delta", sqrt_a, sqrt_b, liquidity, round_up)


# --- SwapMath ----------------------------------------------------------------------------


@reproducible(800)
@given(
    current=sqrt_prices(),
    target=sqrt_prices(),
    liquidity=uints(128),
    amount_remaining=int256s,
    fee_pips=fees_pips,
)
@example(current=2413, target=79887613182836312, liquidity=1985041575832132834610021537970,
         amount_remaining=10, fee_pips=1872)
@example(current=2, target=1, liquidity=1, amount_remaining=3915081100057732413702495386755767,
         fee_pips=1)
def test_compute_swap_step(
    current: int, target: int, liquidity: int, amount_remaining: int, fee_pips: int
) -> None:
    assert_same("compute_swap_step", current, target, liquidity, amount_remaining, fee_pips)


# --- TickBitmap ----------------------------------------------------------------------------

tick_spacings = st.one_of(st.sampled_from([1, 10, 60, 200]), st.integers(1, 16383))


@st.composite
def bitmap_queries(draw: st.DrawFn) -> tuple[list[int], int, int]:
    """(initialized ticks, tick, spacing): ticks near the query, queries at and around word edges."""
    spacing = draw(tick_spacings)
    lowest, highest = -(MAX_TICK // spacing), MAX_TICK // spacing  # compressed bounds
    compressed = draw(
        st.one_of(
            st.integers(lowest, highest),
            # the first / last bit of a word, or one either side of it
            st.builds(
                lambda word, bit: word * 256 + bit,
                st.integers(lowest // 256, highest // 256),
                st.sampled_from([-1, 0, 1, 254, 255, 256]),
            ),
        ).filter(lambda c: lowest <= c <= highest)
    )
    tick = compressed * spacing + draw(
        st.sampled_from([0, 0, 1, -1, spacing - 1, -(spacing - 1), spacing // 2])
    )
    tick = min(max(tick, MIN_TICK), MAX_TICK)
    offsets = draw(st.lists(st.integers(-600, 600), max_size=12))
    ticks = sorted({(compressed + o) * spacing for o in offsets if lowest <= compressed + o <= highest})
    return ticks, tick, spacing


@reproducible(800)
@given(query=bitmap_queries(), lte=st.booleans())
def test_next_initialized_tick_within_one_word(query: tuple[list[int], int, int], lte: bool) -> None:
    ticks, tick, spacing = query
    assert_same("next_initialized_tick_within_one_word", ticks, tick, spacing, lte)


# --- Uniswap V2 --------------------------------------------------------------------------------

v2_amounts = st.one_of(uints(112), uints(256), st.integers(0, 10**6))
fees_bps = st.one_of(st.sampled_from([0, 5, 25, 30, 100, 9999, 10000]), st.integers(0, 10000))


@reproducible(600)
@given(amount=v2_amounts, reserve_in=v2_amounts, reserve_out=v2_amounts, fee_bps=fees_bps)
@example(amount=10, reserve_in=1000, reserve_out=1000, fee_bps=30)
@example(amount=1000, reserve_in=1000, reserve_out=1000, fee_bps=30)
@example(amount=999, reserve_in=1000, reserve_out=1000, fee_bps=10000)
def test_v2(amount: int, reserve_in: int, reserve_out: int, fee_bps: int) -> None:
    assert_same("v2_get_amount_out", amount, reserve_in, reserve_out, fee_bps)
    assert_same("v2_get_amount_in", amount, reserve_in, reserve_out, fee_bps)
    if fee_bps == 30:  # the default argument
        note("default fee")
        assert outcome(engine_rs.v2_get_amount_out, amount, reserve_in, reserve_out) == outcome(
            ref.v2_get_amount_out, amount, reserve_in, reserve_out
        )


@reproducible(100)
@given(
    quotes=st.lists(
        st.tuples(
            st.integers(1, 1 << 100), st.integers(1, (1 << 112) - 1), st.integers(1, (1 << 112) - 1)
        ),
        max_size=50,
    ),
    fee_bps=fees_bps.filter(lambda fee: fee < 10000),
)
def test_v2_batches(quotes: list[tuple[int, int, int]], fee_bps: int) -> None:
    note(f"quotes={quotes!r} fee_bps={fee_bps}")
    assert engine_rs.v2_get_amount_out_batch(quotes, fee_bps) == [
        ref.v2_get_amount_out(*quote, fee_bps) for quote in quotes
    ]
    buyable = [(out, r_in, r_out) for out, r_in, r_out in quotes if out < r_out]
    assert engine_rs.v2_get_amount_in_batch(buyable, fee_bps) == [
        ref.v2_get_amount_in(*quote, fee_bps) for quote in buyable
    ]


# --- UniswapV3Pool.swap ---------------------------------------------------------------------------


def weighted(draw: st.DrawFn, choices: list[tuple[int, st.SearchStrategy[Any]]]) -> Any:
    """Draw from one of ``choices``, picked with the given integer weights."""
    index = draw(st.sampled_from([i for i, (weight, _) in enumerate(choices) for _ in range(weight)]))
    return draw(choices[index][1])


@st.composite
def pools(draw: st.DrawFn) -> dict[str, Any]:
    """A pool whose state the real contract could hold.

    Liquidity comes from positions (one spacing wide up to full range, some
    clustered around one tick so that swaps cross many of them and several
    bitmap words), so each tick's liquidity_net is a sum of position edges and
    the active liquidity is the sum of the positions containing the current
    tick: crossing never takes it below zero. The current price is anywhere in
    its tick, or exactly on a tick boundary with the pool either on that tick
    or (as after a zero-for-one swap that stopped there) on the tick below.
    """
    spacing = draw(st.sampled_from([1, 10, 60, 200]))
    fee = draw(st.one_of(st.sampled_from([100, 500, 3000, 10000]), st.integers(0, 999999)))
    lowest, highest = -(MAX_TICK // spacing), MAX_TICK // spacing  # compressed usable ticks
    count = weighted(draw, [(2, st.integers(0, 4)), (2, st.integers(5, 30))])
    # tiny to near uint128 in total
    liquidity_bits = min(
        draw(st.sampled_from([20, 64, 90, 125])), 127 - max(count, 1).bit_length()
    )
    center = draw(st.integers(lowest, highest))
    positions = []
    for _ in range(count):
        width = weighted(
            draw,
            [
                (2, st.just(1)),
                (3, st.integers(1, 50)),
                (2, st.integers(1, 3000)),
                (1, st.just(highest - lowest)),  # full range
            ],
        )
        width = min(width, highest - lowest)
        lower = weighted(
            draw,
            [
                (1, st.integers(lowest, highest - width)),
                (3, st.integers(center - 600, center + 600)),  # clustered: crosses and words
            ],
        )
        lower = min(max(lower, lowest), highest - width)
        amount = draw(st.integers(1, 1 << liquidity_bits))
        positions.append((lower * spacing, (lower + width) * spacing, amount))

    liquidity_net: dict[int, int] = {}
    for lower, upper, amount in positions:
        liquidity_net[lower] = liquidity_net.get(lower, 0) + amount
        liquidity_net[upper] = liquidity_net.get(upper, 0) - amount
    # a tick initialized with net 0 still splits steps (two positions meeting at one tick)
    ticks = sorted(liquidity_net.items())

    edges = [tick for tick, _ in ticks]
    tick = weighted(
        draw,
        [
            (1, st.integers(MIN_TICK, MAX_TICK - 1)),
            (1, st.integers(center * spacing - 800 * spacing, center * spacing + 800 * spacing)),
            (
                2,
                st.sampled_from(edges or [0]).flatmap(
                    lambda edge: st.integers(edge - 2 * spacing, edge + 2 * spacing)
                ),
            ),
        ],
    )
    tick = min(max(tick, MIN_TICK), MAX_TICK - 1)
    placement = draw(st.sampled_from(["inside", "inside", "on tick", "below boundary"]))
    low_ratio = ref.get_sqrt_ratio_at_tick(tick)
    if placement == "inside":
        sqrt_price = draw(st.integers(low_ratio, ref.get_sqrt_ratio_at_tick(tick + 1) - 1))
    elif placement == "on tick" or tick == MIN_TICK:
        sqrt_price = low_ratio
    else:
        sqrt_price, tick = low_ratio, tick - 1
    liquidity = sum(amount for lower, upper, amount in positions if lower <= tick < upper)
    return {
        "sqrt_price_x96": sqrt_price,
        "tick": tick,
        "liquidity": liquidity,
        "fee": fee,
        "tick_spacing": spacing,
        "ticks": ticks,
    }


@st.composite
def swaps_on(draw: st.DrawFn, state: dict[str, Any]) -> tuple[bool, int, int | None]:
    """One swap: direction, exact in (> 0) or out (< 0) from 1 unit to 2**255, and a limit."""
    zero_for_one = draw(st.booleans())
    magnitude = weighted(
        draw,
        [
            (2, st.integers(1, 1000)),  # tiny
            (8, st.integers(0, 200).flatmap(lambda k: st.integers(1 << k, 1 << (k + 1)))),
            (1, st.sampled_from([0, INT256_MAX])),  # AS, and the largest exact input
        ],
    )
    amount = magnitude if draw(st.booleans()) else -magnitude
    price, tick, spacing = state["sqrt_price_x96"], state["tick"], state["tick_spacing"]
    direction = -1 if zero_for_one else 1
    limit = weighted(
        draw,
        [
            (4, st.none()),
            # a limit in the direction of the swap, anywhere up to the extreme
            (
                2,
                st.integers(MIN_SQRT_RATIO + 1, max(MIN_SQRT_RATIO + 1, price - 1))
                if zero_for_one
                else st.integers(min(price + 1, MAX_SQRT_RATIO - 1), MAX_SQRT_RATIO - 1),
            ),
            # a tick's price a little way along the swap (or, rarely, behind it: SPL)
            (
                3,
                st.integers(-5, 600).map(
                    lambda d: ref.get_sqrt_ratio_at_tick(
                        min(max(tick + direction * d * spacing // 2, MIN_TICK), MAX_TICK)
                    )
                ),
            ),
            (1, st.sampled_from([MIN_SQRT_RATIO, MAX_SQRT_RATIO, price])),  # SPL
        ],
    )
    return zero_for_one, amount, limit


def _swap_kind(result: Any) -> str:
    """A label for hypothesis' statistics (pytest --hypothesis-show-statistics)."""
    if result[0] == "revert":
        return f"revert {result[1]}"
    crossed = result[-1]
    return f"crossed {crossed if crossed < 3 else '3+'}"


def pool_call(state: dict[str, Any]) -> str:
    return "V3Pool(" + ", ".join(f"{key}={value!r}" for key, value in state.items()) + ")"


@reproducible(300)
@given(data=st.data())
def test_v3_pool_swap(data: st.DataObject) -> None:
    state = data.draw(pools(), label="pool")
    note(pool_call(state))
    swaps = data.draw(st.lists(swaps_on(state), min_size=1, max_size=4), label="swaps")
    reference_pool = ref.V3Pool(**state)
    rust_pool = engine_rs.V3Pool(**state)
    assert (
        rust_pool.sqrt_price_x96,
        rust_pool.tick,
        rust_pool.liquidity,
        rust_pool.fee,
        rust_pool.tick_spacing,
        sorted(rust_pool.ticks),
    ) == tuple(state.values())

    expected = []
    for swap in swaps:
        note(f"pool.swap{swap!r}")
        expected.append(outcome(reference_pool.swap, *swap))
        event(_swap_kind(expected[-1]))
        actual = outcome(rust_pool.swap, *swap)
        assert actual == expected[-1], (
            f"{pool_call(state)}.swap{swap!r}: engine_rs {actual!r} != reference {expected[-1]!r}"
        )
    # the batch equals the single swaps, and swapping changed neither pool
    assert _plain(rust_pool.swap_batch(swaps)) == expected
    assert _plain(rust_pool.swap_batch(swaps)) == _plain(reference_pool.swap_batch(swaps))
    assert (rust_pool.sqrt_price_x96, rust_pool.tick, rust_pool.liquidity) == (
        state["sqrt_price_x96"],
        state["tick"],
        state["liquidity"],
    )


@reproducible(60)
@given(data=st.data())
def test_v3_pool_swap_with_inconsistent_liquidity_reverts_alike(data: st.DataObject) -> None:
    """liquidity_net that does not add up: crossings revert LS / LA in both implementations."""
    spacing = data.draw(st.sampled_from([1, 10, 60, 200]))
    ticks = data.draw(
        st.dictionaries(
            st.integers(-40, 40).map(lambda c: c * spacing),
            st.integers(-(1 << 127) + 1, (1 << 127) - 1),
            max_size=6,
        )
    )
    tick = data.draw(st.integers(-45 * spacing, 45 * spacing))
    state = {
        "sqrt_price_x96": ref.get_sqrt_ratio_at_tick(tick),
        "tick": tick,
        "liquidity": data.draw(uints(128)),
        "fee": 3000,
        "tick_spacing": spacing,
        "ticks": sorted(ticks.items()),
    }
    note(pool_call(state))
    swap = (data.draw(st.booleans()), data.draw(st.sampled_from([1 << 250, -(1 << 250)])), None)
    note(f"pool.swap{swap!r}")
    expected = outcome(ref.V3Pool(**state).swap, *swap)
    assert outcome(engine_rs.V3Pool(**state).swap, *swap) == expected


@reproducible(50)
@given(
    good=st.lists(st.tuples(st.integers(1, 10**24), st.integers(1, 10**24), st.integers(2, 10**24))),
    bad=st.sampled_from([(0, 10, 10), (10, 0, 10), (10, 10, 1 << 112)]),
    at=st.integers(0, 10),
)
def test_v2_batch_with_a_revert_raises_its_reason(
    good: list[tuple[int, int, int]], bad: tuple[int, int, int], at: int
) -> None:
    quotes = good[:at] + [bad] + good[at:]
    note(f"quotes={quotes!r}")
    expected = outcome(ref.v2_get_amount_out, *bad)
    assert outcome(engine_rs.v2_get_amount_out_batch, quotes) == expected
