"""SqrtPriceMath.sol: prices after adding/removing an amount, and amounts between two prices."""

from __future__ import annotations

from tests.reference import full_math, low_gas_safe_math, safe_cast
from tests.reference.evm import UINT160_MAX, UINT256_MAX, as_uint160, revert
from tests.reference.unsafe_math import div_rounding_up

REASON = "SqrtPriceMath"
RESOLUTION = 96
Q96 = 1 << RESOLUTION


def get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_px96: int, liquidity: int, amount: int, add: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: price after moving ``amount`` of token0."""
    if amount == 0:
        return sqrt_px96
    numerator1 = liquidity << RESOLUTION

    product = amount * sqrt_px96
    product_overflows = product > UINT256_MAX  # (product = amount * sqrtPX96) / amount != sqrtPX96
    if add:
        if not product_overflows:
            denominator = numerator1 + product
            if denominator <= UINT256_MAX:  # denominator >= numerator1, i.e. no wrap
                return as_uint160(full_math.mul_div_rounding_up(numerator1, sqrt_px96, denominator))
        return as_uint160(
            div_rounding_up(numerator1, low_gas_safe_math.add(numerator1 // sqrt_px96, amount))
        )
    if product_overflows or numerator1 <= product:
        revert(REASON)
    denominator = numerator1 - product
    return safe_cast.to_uint160(full_math.mul_div_rounding_up(numerator1, sqrt_px96, denominator))


def get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_px96: int, liquidity: int, amount: int, add: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: price after moving ``amount`` of token1."""
    if add:
        quotient = (
            (amount << RESOLUTION) // liquidity
            if amount <= UINT160_MAX
            else full_math.mul_div(amount, Q96, liquidity)
        )
        return safe_cast.to_uint160(low_gas_safe_math.add(sqrt_px96, quotient))
    quotient = (
        div_rounding_up(amount << RESOLUTION, liquidity)
        if amount <= UINT160_MAX
        else full_math.mul_div_rounding_up(amount, Q96, liquidity)
    )
    if sqrt_px96 <= quotient:
        revert(REASON)
    return sqrt_px96 - quotient


def get_next_sqrt_price_from_input(
    sqrt_price_x96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromInput: price after ``amount_in`` of the input token."""
    if sqrt_price_x96 <= 0 or liquidity <= 0:
        revert(REASON)
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(
            sqrt_price_x96, liquidity, amount_in, True
        )
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(
    sqrt_price_x96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """SqrtPriceMath.getNextSqrtPriceFromOutput: price after ``amount_out`` of the output token."""
    if sqrt_price_x96 <= 0 or liquidity <= 0:
        revert(REASON)
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(
            sqrt_price_x96, liquidity, amount_out, False
        )
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_out, False)


def get_amount0_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """SqrtPriceMath.getAmount0Delta (uint128 liquidity): token0 between two prices."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    numerator1 = liquidity << RESOLUTION
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        revert(REASON)
    if round_up:
        return div_rounding_up(
            full_math.mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96),
            sqrt_ratio_a_x96,
        )
    return full_math.mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """SqrtPriceMath.getAmount1Delta (uint128 liquidity): token1 between two prices."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return full_math.mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return full_math.mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
