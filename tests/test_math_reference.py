"""The pure-Python reference on its own: known values from the Uniswap test suites and by hand.

Values marked "v3-core" come from the Uniswap v3-core unit tests (TickMath,
SqrtPriceMath, SwapMath specs); "v2-core" from UniswapV2Pair.spec.ts.
"""

from __future__ import annotations

import decimal
import math
import random

import pytest

from tests import reference as ref
from tests.reference import bit_math, liquidity_math
from tests.reference.evm import UINT128_MAX, UINT256_MAX, SwapRevert
from tests.reference.tick_bitmap import TickBitmap

Q96 = 1 << 96
E18 = 10**18


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """v3-core's encodePriceSqrt: sqrt(reserve1 / reserve0) as Q64.96, floored."""
    return math.isqrt((reserve1 << 192) // reserve0)


def reason_of(call, *args):
    with pytest.raises(SwapRevert) as info:
        call(*args)
    return info.value.reason


# --- FullMath -----------------------------------------------------------------


def test_mul_div_known_values():
    assert ref.mul_div(Q96, Q96, 1 << 64) == 1 << 128
    assert ref.mul_div(UINT256_MAX, UINT256_MAX, UINT256_MAX) == UINT256_MAX
    # v3-core FullMath.spec: accurate without phantom overflow
    assert ref.mul_div(1 << 128, 50 * (1 << 128) // 100, 150 * (1 << 128) // 100) == (1 << 128) // 3
    assert ref.mul_div_rounding_up(1 << 128, 50 * (1 << 128) // 100, 150 * (1 << 128) // 100) == (
        (1 << 128) // 3 + 1
    )
    assert ref.mul_div_rounding_up(7, 3, 2) == 11
    assert ref.mul_div_rounding_up(6, 3, 2) == 9


def test_mul_div_reverts():
    assert reason_of(ref.mul_div, 1, 1, 0) == "FullMath"
    assert reason_of(ref.mul_div, 0, 0, 0) == "FullMath"
    assert reason_of(ref.mul_div, 1 << 128, 1 << 128, 1) == "FullMath"
    assert reason_of(ref.mul_div, UINT256_MAX, UINT256_MAX, UINT256_MAX - 1) == "FullMath"
    # v3-core: mulDivRoundingUp reverts when the rounded-up result overflows
    assert (
        reason_of(
            ref.mul_div_rounding_up,
            535006138814359,
            432862656469423142931042426214547535783388063929571229938474969,
            2,
        )
        == "FullMath"
    )
    assert reason_of(ref.mul_div_rounding_up, UINT256_MAX, UINT256_MAX, UINT256_MAX - 1) == (
        "FullMath"
    )


# --- TickMath -----------------------------------------------------------------


def test_sqrt_ratio_at_tick_known_values():
    assert ref.get_sqrt_ratio_at_tick(0) == Q96
    assert ref.get_sqrt_ratio_at_tick(ref.MIN_TICK) == ref.MIN_SQRT_RATIO == 4295128739
    assert ref.get_sqrt_ratio_at_tick(ref.MIN_TICK + 1) == 4295343490
    assert (
        ref.get_sqrt_ratio_at_tick(ref.MAX_TICK - 1)
        == 1461373636630004318706518188784493106690254656249
    )
    assert ref.get_sqrt_ratio_at_tick(ref.MAX_TICK) == ref.MAX_SQRT_RATIO
    assert reason_of(ref.get_sqrt_ratio_at_tick, ref.MIN_TICK - 1) == "T"
    assert reason_of(ref.get_sqrt_ratio_at_tick, ref.MAX_TICK + 1) == "T"


@pytest.mark.parametrize("tick", [-500000, -50, -1, 1, 50, 100, 1000, 10000, 150000, 500000])
def test_sqrt_ratio_at_tick_is_close_to_exact(tick):
    with decimal.localcontext(decimal.Context(prec=80)):
        exact = (decimal.Decimal("1.0001") ** tick).sqrt() * Q96
        error = abs(ref.get_sqrt_ratio_at_tick(tick) - exact)
        assert error <= 2 or error / exact < decimal.Decimal("1e-20")


def test_tick_at_sqrt_ratio_known_values():
    assert ref.get_tick_at_sqrt_ratio(ref.MIN_SQRT_RATIO) == ref.MIN_TICK
    assert ref.get_tick_at_sqrt_ratio(4295343490) == ref.MIN_TICK + 1
    assert (
        ref.get_tick_at_sqrt_ratio(1461373636630004318706518188784493106690254656249)
        == ref.MAX_TICK - 1
    )
    assert ref.get_tick_at_sqrt_ratio(ref.MAX_SQRT_RATIO - 1) == ref.MAX_TICK - 1
    assert ref.get_tick_at_sqrt_ratio(Q96) == 0
    assert ref.get_tick_at_sqrt_ratio(Q96 - 1) == -1
    assert reason_of(ref.get_tick_at_sqrt_ratio, ref.MIN_SQRT_RATIO - 1) == "R"
    assert reason_of(ref.get_tick_at_sqrt_ratio, ref.MAX_SQRT_RATIO) == "R"


def test_tick_math_round_trips():
    rng = random.Random(7)
    ticks = [ref.MIN_TICK, ref.MIN_TICK + 1, -1, 0, 1, ref.MAX_TICK - 1]
    ticks += [rng.randint(ref.MIN_TICK, ref.MAX_TICK - 1) for _ in range(300)]
    for tick in ticks:
        ratio = ref.get_sqrt_ratio_at_tick(tick)
        assert ref.get_tick_at_sqrt_ratio(ratio) == tick
        assert tick == ref.MIN_TICK or ref.get_tick_at_sqrt_ratio(ratio - 1) == tick - 1
        next_ratio = ref.get_sqrt_ratio_at_tick(tick + 1)
        assert ref.get_tick_at_sqrt_ratio(next_ratio - 1) == tick
        inside = rng.randint(ratio, next_ratio - 1)
        assert ref.get_tick_at_sqrt_ratio(inside) == tick


def test_tick_at_sqrt_ratio_is_monotone_bisection():
    """getTickAtSqrtRatio is the greatest tick whose ratio is <= the price (checked by bisection)."""
    rng = random.Random(11)
    for _ in range(200):
        price = rng.randint(ref.MIN_SQRT_RATIO, ref.MAX_SQRT_RATIO - 1)
        low, high = ref.MIN_TICK, ref.MAX_TICK
        while low < high:
            mid = (low + high + 1) // 2
            if ref.get_sqrt_ratio_at_tick(mid) <= price:
                low = mid
            else:
                high = mid - 1
        assert ref.get_tick_at_sqrt_ratio(price) == low


# --- SqrtPriceMath (v3-core SqrtPriceMath.spec) -------------------------------


def test_next_sqrt_price_from_input_known_values():
    one = encode_price_sqrt(1, 1)
    assert ref.get_next_sqrt_price_from_input(one, E18, E18 // 10, False) == (
        87150978765690771352898345369
    )
    assert ref.get_next_sqrt_price_from_input(one, E18, E18 // 10, True) == (
        72025602285694852357767227579
    )
    assert ref.get_next_sqrt_price_from_input(one, 10 * E18, 1 << 100, True) == 624999999995069620
    assert ref.get_next_sqrt_price_from_input(one, 1, UINT256_MAX // 2, True) == 1
    assert ref.get_next_sqrt_price_from_input(one, E18 // 10, 0, True) == one
    assert ref.get_next_sqrt_price_from_input(one, E18 // 10, 0, False) == one
    assert reason_of(ref.get_next_sqrt_price_from_input, 0, 1, E18 // 10, False) == "SqrtPriceMath"
    assert reason_of(ref.get_next_sqrt_price_from_input, 1, 0, E18 // 10, True) == "SqrtPriceMath"
    # price overflow: the sum no longer fits in uint160
    assert (
        reason_of(ref.get_next_sqrt_price_from_input, (1 << 160) - 1, 1024, 1024, False)
        == "SafeCast"
    )


def test_next_sqrt_price_from_output_known_values():
    one = encode_price_sqrt(1, 1)
    assert ref.get_next_sqrt_price_from_output(one, E18, E18 // 10, False) == (
        88031291682515930659493278152
    )
    assert ref.get_next_sqrt_price_from_output(one, E18, E18 // 10, True) == (
        71305346262837903834189555302
    )
    # v3-core: output amount exactly equal to / beyond the virtual reserves reverts
    price, liquidity = 20282409603651670423947251286016, 1024
    assert reason_of(ref.get_next_sqrt_price_from_output, price, liquidity, 4, False) == (
        "SqrtPriceMath"
    )
    assert reason_of(ref.get_next_sqrt_price_from_output, price, liquidity, 5, False) == (
        "SqrtPriceMath"
    )
    assert reason_of(ref.get_next_sqrt_price_from_output, price, liquidity, 262145, True) == (
        "SqrtPriceMath"
    )
    assert ref.get_next_sqrt_price_from_output(price, liquidity, 262143, True) == (
        77371252455336267181195264
    )


def test_amount_deltas_known_values():
    one, other = encode_price_sqrt(1, 1), encode_price_sqrt(121, 100)
    assert ref.get_amount0_delta(one, other, E18, True) == 90909090909090910
    assert ref.get_amount0_delta(one, other, E18, False) == 90909090909090909
    assert ref.get_amount1_delta(one, other, E18, True) == 100000000000000000
    assert ref.get_amount1_delta(one, other, E18, False) == 99999999999999999
    assert ref.get_amount0_delta(one, encode_price_sqrt(2, 1), 0, True) == 0
    assert ref.get_amount0_delta(other, one, E18, True) == 90909090909090910  # order-free
    assert reason_of(ref.get_amount0_delta, 0, one, E18, True) == "SqrtPriceMath"
    assert ref.get_amount1_delta(0, one, E18, False) == E18


# --- SwapMath (v3-core SwapMath.spec) -----------------------------------------


def test_compute_swap_step_known_values():
    price, target = encode_price_sqrt(1, 1), encode_price_sqrt(101, 100)
    # exact amount in that gets capped at the price target in one for zero
    assert ref.compute_swap_step(price, target, 2 * E18, E18, 600) == (
        target,
        9975124224178055,
        9925619580021728,
        5988667735148,
    )
    # exact amount in that is fully spent in one for zero
    sqrt_q, amount_in, amount_out, fee = ref.compute_swap_step(
        price, encode_price_sqrt(1000, 100), 2 * E18, E18, 600
    )
    assert (amount_in, amount_out, fee) == (999400000000000000, 666399946655997866, 600000000000000)
    assert sqrt_q < encode_price_sqrt(1000, 100)
    # entire input amount taken as fee
    assert ref.compute_swap_step(2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872) == (
        2413,
        0,
        0,
        10,
    )
    # intermediate insufficient liquidity, exact output, zero for one / one for zero
    sqrt_p = 20282409603651670423947251286016
    assert ref.compute_swap_step(sqrt_p, sqrt_p * 11 // 10, 1024, -4, 3000) == (
        sqrt_p * 11 // 10,
        26215,
        0,
        79,
    )
    assert ref.compute_swap_step(sqrt_p, sqrt_p * 9 // 10, 1024, -263000, 3000) == (
        sqrt_p * 9 // 10,
        1,
        26214,
        1,
    )
    # amount out is capped at the desired amount out
    assert ref.compute_swap_step(
        417332158212080721273783715441582, 1452870262520218020823638996,
        159344665391607089467575320103, -1, 1,
    ) == (417332158212080721273783715441581, 1, 1, 1)
    # target price of 1 uses partial input amount
    assert ref.compute_swap_step(2, 1, 1, 3915081100057732413702495386755767, 1) == (
        1,
        39614081257132168796771975168,
        0,
        39614120871253040049813,
    )


# --- BitMath, LiquidityMath ---------------------------------------------------


def test_bit_math():
    for i in range(256):
        assert bit_math.most_significant_bit(1 << i) == i
        assert bit_math.least_significant_bit(1 << i) == i
    assert bit_math.most_significant_bit(UINT256_MAX) == 255
    assert bit_math.least_significant_bit(UINT256_MAX) == 0
    assert reason_of(bit_math.most_significant_bit, 0) == "BitMath"


def test_liquidity_math_add_delta():
    assert liquidity_math.add_delta(1, 0) == 1
    assert liquidity_math.add_delta(1, -1) == 0
    assert liquidity_math.add_delta(1, 1) == 2
    assert reason_of(liquidity_math.add_delta, 1, -2) == "LS"
    assert reason_of(liquidity_math.add_delta, UINT128_MAX - 14, 15) == "LA"


# --- TickBitmap (v3-core TickBitmap.spec: ticks -200, -55, -4, 70, 78, 84, 139, 240, 535) --

SPEC_TICKS = [-200, -55, -4, 70, 78, 84, 139, 240, 535]


@pytest.mark.parametrize(
    ("tick", "lte", "expected"),
    [
        (78, False, (84, True)),
        (-55, False, (-4, True)),
        (77, False, (78, True)),
        (-56, False, (-55, True)),
        (255, False, (511, False)),
        (-257, False, (-200, True)),
        (340, False, (511, False)),
        (508, False, (511, False)),
        (329, False, (511, False)),  # within word: no tick right of it before 511? 535 is next word
        (78, True, (78, True)),
        (79, True, (78, True)),
        (258, True, (256, False)),
        (256, True, (256, False)),
        (72, True, (70, True)),
        (-257, True, (-512, False)),
        (1023, True, (768, False)),
        (900, True, (768, False)),
    ],
)
def test_tick_bitmap_spec_cases(tick, lte, expected):
    assert ref.next_initialized_tick_within_one_word(SPEC_TICKS, tick, 1, lte) == expected


def test_tick_bitmap_negative_compression_rounds_down():
    bitmap = TickBitmap(60, [-120, 60])
    # -1 compresses to -1 (not 0): lte search starts in word -1 at bit 255
    assert bitmap.next_initialized_tick_within_one_word(-1, True) == (-120, True)
    assert bitmap.next_initialized_tick_within_one_word(-61, True) == (-120, True)
    assert bitmap.next_initialized_tick_within_one_word(-60, False) == (60, True)
    assert bitmap.next_initialized_tick_within_one_word(-121, False) == (-120, True)
    # word -1 spans compressed -256..-1, i.e. ticks -15360..-60
    assert TickBitmap(60).next_initialized_tick_within_one_word(-1, True) == (-15360, False)
    # from the last bit of word -2, a search to the right covers all of word -1
    assert TickBitmap(60).next_initialized_tick_within_one_word(-15361, False) == (-60, False)
    assert TickBitmap(60).next_initialized_tick_within_one_word(0, False) == (15300, False)
    assert reason_of(TickBitmap(60).flip_tick, 61) == "TickBitmap"


# --- UniswapV3Pool.swap ----------------------------------------------------------


def full_range(spacing: int) -> tuple[int, int]:
    return -(ref.MAX_TICK // spacing) * spacing, (ref.MAX_TICK // spacing) * spacing


def test_swap_within_one_range_matches_the_step():
    """No tick crossed: the swap is one computeSwapStep to the price limit."""
    low, high = full_range(60)
    liquidity = 2 * E18
    pool = ref.V3Pool(Q96, 0, liquidity, 3000, 60, [(low, liquidity), (high, -liquidity)])
    # Tick 0 is bit 0 of word 0, so the first step ends where it starts (on tick 0, moving
    # the pool to tick -1); the second runs toward the end of word -1, tick -15360.
    sqrt_q, amount_in, amount_out, fee = ref.compute_swap_step(
        Q96, ref.get_sqrt_ratio_at_tick(-15360), liquidity, E18 // 100, 3000
    )
    result = pool.swap(True, E18 // 100)
    assert (result.amount0, result.amount1) == (amount_in + fee, -amount_out)
    assert result.sqrt_price_x96 == sqrt_q
    assert result.tick == ref.get_tick_at_sqrt_ratio(sqrt_q)
    assert (result.liquidity, result.ticks_crossed) == (liquidity, 0)


def test_swap_at_price_one_matches_v2_constant_product():
    """Full-range liquidity L at price 1 behaves like a V2 pair with reserves L / L (to rounding)."""
    low, high = full_range(1)
    pool = ref.V3Pool(Q96, 0, 1000 * E18, 3000, 1, [(low, 1000 * E18), (high, -1000 * E18)])
    result = pool.swap(True, E18)
    v2_out = ref.v2_get_amount_out(E18, 1000 * E18, 1000 * E18)
    assert result.amount0 == E18
    assert abs(-result.amount1 - v2_out) <= 1
    assert v2_out == 996006981039903216  # v2-core swap test case (1, 1000, 1000)


def test_swap_crosses_ticks_and_ends_at_the_limit():
    # two positions: [-120, 120) with L=1e18 and [-60, 60) with another 1e18
    ticks = [(-120, E18), (-60, E18), (60, -E18), (120, -E18)]
    pool = ref.V3Pool(Q96, 0, 2 * E18, 500, 10, ticks)
    limit = ref.get_sqrt_ratio_at_tick(-100)
    result = pool.swap(True, 10**30, limit)
    assert result.sqrt_price_x96 == limit
    assert result.tick == -100
    assert (result.liquidity, result.ticks_crossed) == (E18, 1)
    # token0 paid = delta over [-100, -60) at 1e18 plus [-60, 0) at 2e18, each grossed up by the fee
    expected_in = 0
    for (lo, hi), liq in (((-60, 0), 2 * E18), ((-100, -60), E18)):
        net = ref.get_amount0_delta(
            ref.get_sqrt_ratio_at_tick(lo), ref.get_sqrt_ratio_at_tick(hi), liq, True
        )
        expected_in += net + ref.mul_div_rounding_up(net, 500, 10**6 - 500)
    assert result.amount0 == expected_in
    # exactly at a tick after zero-for-one, the pool reports tick - 1
    at_tick = pool.swap(True, 10**30, ref.get_sqrt_ratio_at_tick(-60))
    assert (at_tick.tick, at_tick.liquidity, at_tick.ticks_crossed) == (-61, E18, 1)
    # runs out of liquidity: continues word by word to the extreme price
    everything = pool.swap(False, 10**30)
    assert everything.sqrt_price_x96 == ref.MAX_SQRT_RATIO - 1
    assert everything.tick == ref.MAX_TICK - 1
    assert (everything.liquidity, everything.ticks_crossed) == (0, 2)


def test_swap_exact_output_gets_exactly_the_amount():
    ticks = [(-887220, 5 * E18), (887220, -5 * E18)]
    pool = ref.V3Pool(encode_price_sqrt(1, 4), -13864, 5 * E18, 3000, 60, ticks)
    assert pool.tick == ref.get_tick_at_sqrt_ratio(pool.sqrt_price_x96)
    result = pool.swap(False, -E18 // 10)
    assert result.amount0 == -E18 // 10
    assert result.amount1 > 0
    back = pool.swap(True, -result.amount1 // 10)
    assert back.amount1 == -result.amount1 // 10


def test_swap_reverts():
    pool = ref.V3Pool(Q96, 0, E18, 3000, 60, [(-60, E18), (60, -E18)])
    assert reason_of(pool.swap, True, 0) == "AS"
    assert reason_of(pool.swap, True, 1, Q96) == "SPL"
    assert reason_of(pool.swap, False, 1, Q96) == "SPL"
    assert reason_of(pool.swap, True, 1, ref.MIN_SQRT_RATIO) == "SPL"
    assert reason_of(pool.swap, False, 1, ref.MAX_SQRT_RATIO) == "SPL"
    # liquidity_net that does not add up: crossing tick 60 upward would take 2e18 out of 1e18
    broken = ref.V3Pool(Q96, 0, E18, 3000, 60, [(-60, E18), (60, -2 * E18)])
    assert reason_of(broken.swap, False, 10**30) == "LS"
    overflow = ref.V3Pool(Q96, 0, UINT128_MAX - 1, 3000, 60, [(60, 2)])
    assert reason_of(overflow.swap, False, 10**40, ref.get_sqrt_ratio_at_tick(61)) == "LA"


def test_swap_batch_equals_single_swaps():
    pool = ref.V3Pool(Q96, 0, E18, 3000, 60, [(-60, E18), (60, -E18)])
    swaps = [(True, E18 // 1000, None), (False, -E18 // 1000, None), (True, 0, None)]
    results = pool.swap_batch(swaps)
    assert results[:2] == [pool.swap(*s) for s in swaps[:2]]
    assert isinstance(results[2], SwapRevert) and results[2].reason == "AS"


# --- Uniswap V2 -----------------------------------------------------------------

V2_SWAP_CASES = [  # v2-core UniswapV2Pair.spec.ts: (swap, reserve0, reserve1) in 1e18, expected out
    (1, 5, 10, 1662497915624478906),
    (1, 10, 5, 453305446940074565),
    (2, 5, 10, 2851015155847869602),
    (2, 10, 5, 831248957812239453),
    (1, 10, 10, 906610893880149131),
    (1, 100, 100, 987158034397061298),
    (1, 1000, 1000, 996006981039903216),
]


@pytest.mark.parametrize(("amount_in", "reserve_in", "reserve_out", "expected"), V2_SWAP_CASES)
def test_v2_known_values_and_the_k_check(amount_in, reserve_in, reserve_out, expected):
    amount_in, reserve_in, reserve_out = amount_in * E18, reserve_in * E18, reserve_out * E18
    out = ref.v2_get_amount_out(amount_in, reserve_in, reserve_out)
    assert out == expected
    assert ref.v2_pair_swap(reserve_in, reserve_out, amount_in, 0, 0, out) == (
        reserve_in + amount_in,
        reserve_out - out,
    )
    assert reason_of(ref.v2_pair_swap, reserve_in, reserve_out, amount_in, 0, 0, out + 1) == (
        "UniswapV2: K"
    )
    needed = ref.v2_get_amount_in(out, reserve_in, reserve_out)
    assert needed <= amount_in
    ref.v2_pair_swap(reserve_in, reserve_out, needed, 0, 0, out)
    assert reason_of(ref.v2_pair_swap, reserve_in, reserve_out, needed - 1, 0, 0, out) == (
        "UniswapV2: K"
    )


def test_v2_other_fees_and_reverts():
    # a 25 bps fork: 9975 / 10000
    assert ref.v2_get_amount_out(10**6, 10**9, 10**9, 25) == (
        10**6 * 9975 * 10**9 // (10**9 * 10000 + 10**6 * 9975)
    )
    assert ref.v2_get_amount_out(10, 1000, 1000, 0) == 9  # 10000*1000 / (1000*10000 + 10*10000)
    assert ref.v2_get_amount_in(9, 1000, 1000, 0) == 10  # 1000*9*10000 // (991*10000) + 1
    assert reason_of(ref.v2_get_amount_out, 0, 1, 1) == "UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT"
    assert reason_of(ref.v2_get_amount_out, 1, 0, 1) == "UniswapV2Library: INSUFFICIENT_LIQUIDITY"
    assert reason_of(ref.v2_get_amount_in, 0, 1, 1) == "UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT"
    assert reason_of(ref.v2_get_amount_in, 1, 1, 0) == "UniswapV2Library: INSUFFICIENT_LIQUIDITY"
    # engine conventions beyond the library (see tests/reference/uniswap_v2.py)
    assert reason_of(ref.v2_get_amount_in, 2, 10, 1) == "UniswapV2: INSUFFICIENT_LIQUIDITY"
    assert reason_of(ref.v2_get_amount_in, 1, 10, 1) == "UniswapV2: INSUFFICIENT_LIQUIDITY"
    assert reason_of(ref.v2_get_amount_out, 1, 1 << 112, 1) == "UniswapV2: OVERFLOW"
    with pytest.raises(ValueError, match="fee_bps"):
        ref.v2_get_amount_out(1, 1, 1, 10000)
    # SafeMath
    assert reason_of(ref.v2_get_amount_out, 1 << 250, 1, 1) == "ds-math-mul-overflow"
    assert reason_of(ref.v2_get_amount_out, 1 << 160, 1, 1 << 100) == "ds-math-mul-overflow"
    # 30 bps runs on the library's 1000 scale: amountIn * 997 fits, + reserveIn * 1000 does not
    assert reason_of(ref.v2_get_amount_out, (1 << 256) // 997, 1 << 111, 1) == (
        "ds-math-add-overflow"
    )
    # 25 bps runs on the 10000 scale (9975 / 10000)
    assert reason_of(ref.v2_get_amount_out, (1 << 256) // 9975, 1 << 111, 1, 25) == (
        "ds-math-add-overflow"
    )
    assert ref.v2_get_amount_out_batch([(10, 1000, 1000), (20, 1000, 1000)]) == [
        ref.v2_get_amount_out(10, 1000, 1000),
        ref.v2_get_amount_out(20, 1000, 1000),
    ]
