"""UniswapV3Pool.swap: the swap loop over initialized ticks, on a snapshot of the pool."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tests.reference import liquidity_math, low_gas_safe_math, safe_cast, swap_math, tick_math
from tests.reference.evm import SwapRevert, revert, wrap_int256, wrap_uint256
from tests.reference.tick_bitmap import TickBitmap


@dataclass(frozen=True, slots=True)
class SwapResult:
    """What the pool's ``Swap`` event would carry (amounts signed, positive = into the pool)."""

    amount0: int
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks_crossed: int  # initialized ticks crossed (not in the event)


def _negate_int128(x: int) -> int:
    """``-x`` on an int128 (wraps only for int128.min, which a pool never holds)."""
    return -x if x != -(1 << 127) else x


class V3Pool:
    """An immutable snapshot of a Uniswap V3 pool, enough to simulate ``UniswapV3Pool.swap``.

    ``ticks`` lists every initialized tick as ``(tick, liquidity_net)``; ``fee``
    is in hundredths of a bip (3000 = 0.3%).
    """

    __slots__ = (
        "_bitmap",
        "_liquidity_net",
        "fee",
        "liquidity",
        "sqrt_price_x96",
        "tick",
        "tick_spacing",
    )

    def __init__(
        self,
        sqrt_price_x96: int,
        tick: int,
        liquidity: int,
        fee: int,
        tick_spacing: int,
        ticks: Iterable[tuple[int, int]],
    ) -> None:
        self.sqrt_price_x96 = sqrt_price_x96
        self.tick = tick
        self.liquidity = liquidity
        self.fee = fee
        self.tick_spacing = tick_spacing
        self._liquidity_net: dict[int, int] = dict(ticks)
        self._bitmap = TickBitmap(tick_spacing, self._liquidity_net)

    @property
    def ticks(self) -> list[tuple[int, int]]:
        """The initialized ticks as ``(tick, liquidity_net)``, ascending."""
        return sorted(self._liquidity_net.items())

    def __repr__(self) -> str:
        return (
            f"V3Pool(sqrt_price_x96={self.sqrt_price_x96}, tick={self.tick}, "
            f"liquidity={self.liquidity}, fee={self.fee}, tick_spacing={self.tick_spacing}, "
            f"ticks={self.ticks})"
        )

    def swap(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None = None
    ) -> SwapResult:
        """UniswapV3Pool.swap without changing the pool; the Swap event's fields.

        ``amount_specified > 0`` is exact input, ``< 0`` exact output. Without a
        limit the swap may run to MIN_SQRT_RATIO + 1 / MAX_SQRT_RATIO - 1. The
        protocol fee and fee growth do not change the amounts and are left out.
        """
        if sqrt_price_limit_x96 is None:
            sqrt_price_limit_x96 = (
                tick_math.MIN_SQRT_RATIO + 1 if zero_for_one else tick_math.MAX_SQRT_RATIO - 1
            )
        if amount_specified == 0:
            revert("AS")
        if (
            not (tick_math.MIN_SQRT_RATIO < sqrt_price_limit_x96 < self.sqrt_price_x96)
            if zero_for_one
            else not (self.sqrt_price_x96 < sqrt_price_limit_x96 < tick_math.MAX_SQRT_RATIO)
        ):
            revert("SPL")

        fee = self.fee
        bitmap = self._bitmap
        liquidity_net = self._liquidity_net
        exact_input = amount_specified > 0

        amount_specified_remaining = amount_specified
        amount_calculated = 0
        sqrt_price_x96 = self.sqrt_price_x96
        tick = self.tick
        liquidity = self.liquidity
        ticks_crossed = 0

        # continue swapping as long as we haven't used the entire input/output and haven't
        # reached the price limit
        while amount_specified_remaining != 0 and sqrt_price_x96 != sqrt_price_limit_x96:
            sqrt_price_start_x96 = sqrt_price_x96
            tick_next, initialized = bitmap.next_initialized_tick_within_one_word(
                tick, zero_for_one
            )
            # the tick bitmap is not aware of the min/max tick bounds
            if tick_next < tick_math.MIN_TICK:
                tick_next = tick_math.MIN_TICK
            elif tick_next > tick_math.MAX_TICK:
                tick_next = tick_math.MAX_TICK
            sqrt_price_next_x96 = tick_math.get_sqrt_ratio_at_tick(tick_next)

            target_is_limit = (
                sqrt_price_next_x96 < sqrt_price_limit_x96
                if zero_for_one
                else sqrt_price_next_x96 > sqrt_price_limit_x96
            )
            sqrt_price_x96, amount_in, amount_out, fee_amount = swap_math.compute_swap_step(
                sqrt_price_x96,
                sqrt_price_limit_x96 if target_is_limit else sqrt_price_next_x96,
                liquidity,
                amount_specified_remaining,
                fee,
            )

            # `-=` / `+=` on int256 are unchecked in 0.7; `.sub` / `.add` are LowGasSafeMath.
            if exact_input:
                amount_specified_remaining = wrap_int256(
                    amount_specified_remaining
                    - safe_cast.to_int256(wrap_uint256(amount_in + fee_amount))
                )
                amount_calculated = low_gas_safe_math.sub_signed(
                    amount_calculated, safe_cast.to_int256(amount_out)
                )
            else:
                amount_specified_remaining = wrap_int256(
                    amount_specified_remaining + safe_cast.to_int256(amount_out)
                )
                amount_calculated = low_gas_safe_math.add_signed(
                    amount_calculated, safe_cast.to_int256(wrap_uint256(amount_in + fee_amount))
                )

            # shift tick if we reached the next price
            if sqrt_price_x96 == sqrt_price_next_x96:
                if initialized:
                    net = liquidity_net[tick_next]
                    # moving leftward, liquidityNet is interpreted with the opposite sign
                    if zero_for_one:
                        net = _negate_int128(net)
                    liquidity = liquidity_math.add_delta(liquidity, net)
                    ticks_crossed += 1
                tick = tick_next - 1 if zero_for_one else tick_next
            elif sqrt_price_x96 != sqrt_price_start_x96:
                # recompute unless we're on a lower tick boundary (already transitioned ticks)
                # and haven't moved
                tick = tick_math.get_tick_at_sqrt_ratio(sqrt_price_x96)

        amount_specified_used = wrap_int256(amount_specified - amount_specified_remaining)
        if zero_for_one == exact_input:
            amount0, amount1 = amount_specified_used, amount_calculated
        else:
            amount0, amount1 = amount_calculated, amount_specified_used
        return SwapResult(amount0, amount1, sqrt_price_x96, tick, liquidity, ticks_crossed)

    def swap_batch(
        self, swaps: Sequence[tuple[bool, int, int | None]]
    ) -> list[SwapResult | SwapRevert]:
        """Many independent swaps from the same state; each result or its revert."""
        results: list[SwapResult | SwapRevert] = []
        for zero_for_one, amount_specified, sqrt_price_limit_x96 in swaps:
            try:
                results.append(self.swap(zero_for_one, amount_specified, sqrt_price_limit_x96))
            except SwapRevert as error:
                results.append(error)
        return results
