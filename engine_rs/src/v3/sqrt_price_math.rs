//! SqrtPriceMath.sol: next prices and token deltas between prices.

use super::full_math::{div_rounding_up, mul_div, mul_div_rounding_up};
use crate::error::Revert;
use crate::U256;

/// `FixedPoint96.RESOLUTION`
const RESOLUTION: usize = 96;
/// `FixedPoint96.Q96`
const Q96: U256 = U256::from_limbs([0, 1 << 32, 0, 0]);
/// `type(uint160).max`
pub(crate) const MAX_U160: U256 = U256::from_limbs([u64::MAX, u64::MAX, u32::MAX as u64, 0]);

#[inline]
fn to_uint160(value: U256) -> Result<U256, Revert> {
    if value > MAX_U160 {
        Err(Revert::SafeCastOverflow)
    } else {
        Ok(value)
    }
}

/// `uint160(x)`: the truncating cast Solidity 0.7 applies where it knows the value fits.
#[inline]
fn truncate_uint160(value: U256) -> U256 {
    value & MAX_U160
}

/// `SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp`
pub fn get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256, Revert> {
    if amount.is_zero() {
        return Ok(sqrt_price_x96);
    }
    let numerator1 = U256::from(liquidity) << RESOLUTION;
    let (product, overflowed) = amount.overflowing_mul(sqrt_price_x96);
    if add {
        if !overflowed {
            let (denominator, wrapped) = numerator1.overflowing_add(product);
            if !wrapped {
                return Ok(truncate_uint160(mul_div_rounding_up(numerator1, sqrt_price_x96, denominator)?));
            }
        }
        // numerator1 / (numerator1 / sqrtP + amount), with a checked add.
        let denominator =
            (numerator1 / sqrt_price_x96).checked_add(amount).ok_or(Revert::ArithmeticOverflow)?;
        Ok(truncate_uint160(div_rounding_up(numerator1, denominator)))
    } else {
        // require((product = amount * sqrtPX96) / amount == sqrtPX96 && numerator1 > product)
        if overflowed || numerator1 <= product {
            return Err(Revert::SqrtPriceMath);
        }
        let denominator = numerator1 - product;
        to_uint160(mul_div_rounding_up(numerator1, sqrt_price_x96, denominator)?)
    }
}

/// `SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown`
pub fn get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256, Revert> {
    let liquidity = U256::from(liquidity);
    if add {
        let quotient = if amount <= MAX_U160 {
            (amount << RESOLUTION) / liquidity
        } else {
            mul_div(amount, Q96, liquidity)?
        };
        let next = sqrt_price_x96.checked_add(quotient).ok_or(Revert::ArithmeticOverflow)?;
        to_uint160(next)
    } else {
        let quotient = if amount <= MAX_U160 {
            div_rounding_up(amount << RESOLUTION, liquidity)
        } else {
            mul_div_rounding_up(amount, Q96, liquidity)?
        };
        if sqrt_price_x96 <= quotient {
            return Err(Revert::SqrtPriceMath);
        }
        Ok(truncate_uint160(sqrt_price_x96 - quotient))
    }
}

/// `SqrtPriceMath.getNextSqrtPriceFromInput`
pub fn get_next_sqrt_price_from_input(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount_in: U256,
    zero_for_one: bool,
) -> Result<U256, Revert> {
    if sqrt_price_x96.is_zero() || liquidity == 0 {
        return Err(Revert::SqrtPriceMath);
    }
    if zero_for_one {
        get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_in, true)
    } else {
        get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_in, true)
    }
}

/// `SqrtPriceMath.getNextSqrtPriceFromOutput`
pub fn get_next_sqrt_price_from_output(
    sqrt_price_x96: U256,
    liquidity: u128,
    amount_out: U256,
    zero_for_one: bool,
) -> Result<U256, Revert> {
    if sqrt_price_x96.is_zero() || liquidity == 0 {
        return Err(Revert::SqrtPriceMath);
    }
    if zero_for_one {
        get_next_sqrt_price_from_amount1_rounding_down(sqrt_price_x96, liquidity, amount_out, false)
    } else {
        get_next_sqrt_price_from_amount0_rounding_up(sqrt_price_x96, liquidity, amount_out, false)
    }
}

/// `SqrtPriceMath.getAmount0Delta` (unsigned form): token0 between two prices.
pub fn get_amount0_delta(
    sqrt_ratio_a_x96: U256,
    sqrt_ratio_b_x96: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256, Revert> {
    let (lower, upper) = if sqrt_ratio_a_x96 > sqrt_ratio_b_x96 {
        (sqrt_ratio_b_x96, sqrt_ratio_a_x96)
    } else {
        (sqrt_ratio_a_x96, sqrt_ratio_b_x96)
    };
    if lower.is_zero() {
        return Err(Revert::SqrtPriceMath);
    }
    let numerator1 = U256::from(liquidity) << RESOLUTION;
    let numerator2 = upper - lower;
    if round_up {
        Ok(div_rounding_up(mul_div_rounding_up(numerator1, numerator2, upper)?, lower))
    } else {
        Ok(mul_div(numerator1, numerator2, upper)? / lower)
    }
}

/// `SqrtPriceMath.getAmount1Delta` (unsigned form): token1 between two prices.
pub fn get_amount1_delta(
    sqrt_ratio_a_x96: U256,
    sqrt_ratio_b_x96: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256, Revert> {
    let (lower, upper) = if sqrt_ratio_a_x96 > sqrt_ratio_b_x96 {
        (sqrt_ratio_b_x96, sqrt_ratio_a_x96)
    } else {
        (sqrt_ratio_a_x96, sqrt_ratio_b_x96)
    };
    let liquidity = U256::from(liquidity);
    if round_up {
        mul_div_rounding_up(liquidity, upper - lower, Q96)
    } else {
        mul_div(liquidity, upper - lower, Q96)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    #[test]
    fn input_of_zero_keeps_the_price() {
        let price = U256::from(1u8) << 96;
        assert_eq!(get_next_sqrt_price_from_input(price, 10u128.pow(17), U256::ZERO, true), Ok(price));
        assert_eq!(get_next_sqrt_price_from_input(price, 10u128.pow(17), U256::ZERO, false), Ok(price));
    }

    #[test]
    fn known_next_prices() {
        // v3-core SqrtPriceMath.spec: price 1, liquidity 1e18, 0.1 token in.
        let price = U256::from(1u8) << 96;
        let liquidity = 10u128.pow(18);
        assert_eq!(
            get_next_sqrt_price_from_input(price, liquidity, e18(1) / U256::from(10u8), false),
            Ok(U256::from_str_radix("87150978765690771352898345369", 10).unwrap())
        );
        assert_eq!(
            get_next_sqrt_price_from_input(price, liquidity, e18(1) / U256::from(10u8), true),
            Ok(U256::from_str_radix("72025602285694852357767227579", 10).unwrap())
        );
        assert_eq!(
            get_next_sqrt_price_from_output(price, liquidity, e18(1) / U256::from(10u8), false),
            Ok(U256::from_str_radix("88031291682515930659493278152", 10).unwrap())
        );
        assert_eq!(
            get_next_sqrt_price_from_output(price, liquidity, e18(1) / U256::from(10u8), true),
            Ok(U256::from_str_radix("71305346262837903834189555302", 10).unwrap())
        );
    }

    #[test]
    fn zero_price_or_liquidity_reverts() {
        assert_eq!(
            get_next_sqrt_price_from_input(U256::ZERO, 1, U256::from(1u8), true),
            Err(Revert::SqrtPriceMath)
        );
        assert_eq!(
            get_next_sqrt_price_from_input(U256::from(1u8), 0, U256::from(1u8), true),
            Err(Revert::SqrtPriceMath)
        );
    }

    #[test]
    fn amount_deltas() {
        let price = U256::from(1u8) << 96;
        let liquidity = 10u128.pow(18);
        // price 1 -> 1.21 (sqrt 1.1): amount0 = L*(1/1 - 1/1.1) ~ 0.0909e18, amount1 = L*(0.1) = 0.1e18
        let upper = U256::from_str_radix("87150978765690771352898345369", 10).unwrap();
        let amount0 = get_amount0_delta(price, upper, liquidity, true).unwrap();
        let amount0_down = get_amount0_delta(price, upper, liquidity, false).unwrap();
        assert_eq!(amount0, U256::from(90_909_090_909_090_910u64));
        assert_eq!(amount0_down + U256::from(1u8), amount0);
        let amount1 = get_amount1_delta(price, upper, liquidity, true).unwrap();
        assert_eq!(amount1, U256::from(100_000_000_000_000_000u64));
        assert_eq!(get_amount1_delta(price, price, liquidity, true), Ok(U256::ZERO));
    }
}
