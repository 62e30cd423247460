"""SwapMath.sol: one step of a swap within a single tick range."""

from __future__ import annotations

from tests.reference import full_math, sqrt_price_math
from tests.reference.evm import as_uint256


def compute_swap_step(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """SwapMath.computeSwapStep -> (sqrt_ratio_next_x96, amount_in, amount_out, fee_amount).

    ``amount_remaining`` is an int256: positive for exact input, negative for
    exact output. The direction follows from the two prices.
    """
    zero_for_one = sqrt_ratio_current_x96 >= sqrt_ratio_target_x96
    exact_in = amount_remaining >= 0
    amount_in = 0
    amount_out = 0
    # uint256(-amountRemaining) in 0.7 wraps for int256.min: as_uint256(-x) reproduces it.
    amount_remaining_abs = amount_remaining if exact_in else as_uint256(-amount_remaining)
    # `1e6 - feePips` is uint24 arithmetic (unchecked in 0.7).
    fee_complement = (1_000_000 - fee_pips) & 0xFFFFFF

    if exact_in:
        amount_remaining_less_fee = full_math.mul_div(
            amount_remaining, fee_complement, 1_000_000
        )
        amount_in = (
            sqrt_price_math.get_amount0_delta(
                sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, True
            )
            if zero_for_one
            else sqrt_price_math.get_amount1_delta(
                sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, True
            )
        )
        if amount_remaining_less_fee >= amount_in:
            sqrt_ratio_next_x96 = sqrt_ratio_target_x96
        else:
            sqrt_ratio_next_x96 = sqrt_price_math.get_next_sqrt_price_from_input(
                sqrt_ratio_current_x96, liquidity, amount_remaining_less_fee, zero_for_one
            )
    else:
        amount_out = (
            sqrt_price_math.get_amount1_delta(
                sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, False
            )
            if zero_for_one
            else sqrt_price_math.get_amount0_delta(
                sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, False
            )
        )
        if amount_remaining_abs >= amount_out:
            sqrt_ratio_next_x96 = sqrt_ratio_target_x96
        else:
            sqrt_ratio_next_x96 = sqrt_price_math.get_next_sqrt_price_from_output(
                sqrt_ratio_current_x96, liquidity, amount_remaining_abs, zero_for_one
            )

    reached_target = sqrt_ratio_target_x96 == sqrt_ratio_next_x96

    # Recompute whichever amount the branch above did not settle at the target price.
    if zero_for_one:
        if not (reached_target and exact_in):
            amount_in = sqrt_price_math.get_amount0_delta(
                sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, True
            )
        if not (reached_target and not exact_in):
            amount_out = sqrt_price_math.get_amount1_delta(
                sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, False
            )
    else:
        if not (reached_target and exact_in):
            amount_in = sqrt_price_math.get_amount1_delta(
                sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, True
            )
        if not (reached_target and not exact_in):
            amount_out = sqrt_price_math.get_amount0_delta(
                sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, False
            )

    # cap the output amount to not exceed the remaining output amount
    if not exact_in and amount_out > amount_remaining_abs:
        amount_out = amount_remaining_abs

    if exact_in and sqrt_ratio_next_x96 != sqrt_ratio_target_x96:
        # we didn't reach the target, so take the remainder of the maximum input as fee
        fee_amount = as_uint256(amount_remaining - amount_in)
    else:
        fee_amount = full_math.mul_div_rounding_up(amount_in, fee_pips, fee_complement)

    return sqrt_ratio_next_x96, amount_in, amount_out, fee_amount
