"""Typed stub of the compiled core (engine_rs/src/py/)."""

from collections.abc import Sequence
from typing import Final

MIN_TICK: Final[int]  # -887272
MAX_TICK: Final[int]  # 887272
MIN_SQRT_RATIO: Final[int]  # 4295128739
MAX_SQRT_RATIO: Final[int]  # 1461446703485210103287273052203988822378723970342

class SwapRevert(ValueError):
    """A revert of the reproduced contract code.

    ``reason`` is the contract's revert string, e.g. ``"AS"`` (amount specified
    is zero), ``"SPL"`` (bad price limit), ``"T"`` / ``"R"`` (tick / sqrt ratio out
    of range), ``"LOK"``-free pool errors such as ``"LS"`` / ``"LA"``, V2's
    ``"UniswapV2: INSUFFICIENT_LIQUIDITY"``, or, where Solidity reverts without
    a string (SafeMath / SafeCast overflow), a short name of the check such as
    ``"ds-math-mul-overflow"`` or ``"SafeCast"``.
    """

    reason: str

# --- Uniswap V2 (UniswapV2Library.getAmountOut / getAmountIn) -----------------

def v2_get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Output of a V2 pair for ``amount_in``, fee in basis points (30 = Uniswap, 20 = PancakeSwap)."""

def v2_get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Smallest input that buys ``amount_out`` from a V2 pair."""

def v2_get_amount_out_batch(
    quotes: Sequence[tuple[int, int, int]], fee_bps: int = 30
) -> list[int]:
    """``v2_get_amount_out`` for many ``(amount_in, reserve_in, reserve_out)``; the GIL is released."""

def v2_get_amount_in_batch(
    quotes: Sequence[tuple[int, int, int]], fee_bps: int = 30
) -> list[int]:
    """``v2_get_amount_in`` for many ``(amount_out, reserve_in, reserve_out)``; the GIL is released."""

# --- Uniswap V3 libraries ------------------------------------------------------

def mul_div(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDiv: floor(a*b/denominator) with a 512-bit intermediate."""

def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDivRoundingUp."""

def get_sqrt_ratio_at_tick(tick: int) -> int:
    """TickMath.getSqrtRatioAtTick (Q64.96)."""

def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """TickMath.getTickAtSqrtRatio."""

def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromInput."""

def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromOutput."""

def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """SqrtPriceMath.getAmount0Delta (unsigned form)."""

def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """SqrtPriceMath.getAmount1Delta (unsigned form)."""

def compute_swap_step(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """SwapMath.computeSwapStep -> (sqrt_ratio_next_x96, amount_in, amount_out, fee_amount)."""

def next_initialized_tick_within_one_word(
    initialized_ticks: Sequence[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """TickBitmap.nextInitializedTickWithinOneWord over a bitmap holding ``initialized_ticks``."""

class SwapResult:
    """What the pool's ``Swap`` event would carry (amounts signed, positive = into the pool)."""

    @property
    def amount0(self) -> int: ...
    @property
    def amount1(self) -> int: ...
    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def tick(self) -> int: ...
    @property
    def liquidity(self) -> int: ...
    @property
    def ticks_crossed(self) -> int:
        """Initialized ticks crossed by the swap (not part of the event; for gas estimates)."""

class V3Pool:
    """An immutable snapshot of a Uniswap V3 pool, enough to simulate ``UniswapV3Pool.swap``.

    ``ticks`` lists every initialized tick as ``(tick, liquidity_net)``; a tick
    whose ``liquidity_net`` is 0 but is initialized still splits swap steps and
    must be listed. ``fee`` is in hundredths of a bip (3000 = 0.3%).
    """

    def __init__(
        self,
        sqrt_price_x96: int,
        tick: int,
        liquidity: int,
        fee: int,
        tick_spacing: int,
        ticks: Sequence[tuple[int, int]],
    ) -> None: ...
    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def tick(self) -> int: ...
    @property
    def liquidity(self) -> int: ...
    @property
    def fee(self) -> int: ...
    @property
    def tick_spacing(self) -> int: ...
    @property
    def ticks(self) -> list[tuple[int, int]]: ...
    def swap(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None = None
    ) -> SwapResult:
        """Simulate UniswapV3Pool.swap without changing the pool.

        ``amount_specified > 0`` is exact input, ``< 0`` exact output. Without a
        limit the swap may run to the extreme price (MIN_SQRT_RATIO + 1 or
        MAX_SQRT_RATIO - 1), as a caller passing those limits would.
        """
    def swap_batch(
        self, swaps: Sequence[tuple[bool, int, int | None]]
    ) -> list[SwapResult | SwapRevert]:
        """Many independent swaps from the same state; each result or its revert. GIL released."""
