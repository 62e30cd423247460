//! SwapMath.sol: one step of a swap within a single liquidity range.

use super::full_math::{mul_div, mul_div_rounding_up};
use super::sqrt_price_math::{
    get_amount0_delta, get_amount1_delta, get_next_sqrt_price_from_input, get_next_sqrt_price_from_output,
};
use crate::error::Revert;
use crate::{I256, U256};

/// Fees are in hundredths of a bip: 1e6 = 100%.
pub const FEE_DENOMINATOR: u32 = 1_000_000;

/// What `SwapMath.computeSwapStep` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapStep {
    pub sqrt_ratio_next_x96: U256,
    pub amount_in: U256,
    pub amount_out: U256,
    pub fee_amount: U256,
}

/// `SwapMath.computeSwapStep`: how far `amount_remaining` (> 0 exact in,
/// < 0 exact out) moves the price toward `sqrt_ratio_target_x96` at this
/// liquidity, and the amounts in, out and fee of that move.
pub fn compute_swap_step(
    sqrt_ratio_current_x96: U256,
    sqrt_ratio_target_x96: U256,
    liquidity: u128,
    amount_remaining: I256,
    fee_pips: u32,
) -> Result<SwapStep, Revert> {
    let zero_for_one = sqrt_ratio_current_x96 >= sqrt_ratio_target_x96;
    let exact_in = !amount_remaining.is_negative();
    let fee = U256::from(fee_pips);
    let one_minus_fee = U256::from(FEE_DENOMINATOR.wrapping_sub(fee_pips));
    // uint256(amountRemaining) / uint256(-amountRemaining), as the two's complement casts.
    let remaining_abs = amount_remaining.unsigned_abs();

    let sqrt_ratio_next_x96;
    let mut amount_in = U256::ZERO;
    let mut amount_out = U256::ZERO;
    if exact_in {
        let amount_remaining_less_fee = mul_div(remaining_abs, one_minus_fee, U256::from(FEE_DENOMINATOR))?;
        amount_in = if zero_for_one {
            get_amount0_delta(sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, true)?
        } else {
            get_amount1_delta(sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, true)?
        };
        sqrt_ratio_next_x96 = if amount_remaining_less_fee >= amount_in {
            sqrt_ratio_target_x96
        } else {
            get_next_sqrt_price_from_input(
                sqrt_ratio_current_x96,
                liquidity,
                amount_remaining_less_fee,
                zero_for_one,
            )?
        };
    } else {
        amount_out = if zero_for_one {
            get_amount1_delta(sqrt_ratio_target_x96, sqrt_ratio_current_x96, liquidity, false)?
        } else {
            get_amount0_delta(sqrt_ratio_current_x96, sqrt_ratio_target_x96, liquidity, false)?
        };
        sqrt_ratio_next_x96 = if remaining_abs >= amount_out {
            sqrt_ratio_target_x96
        } else {
            get_next_sqrt_price_from_output(sqrt_ratio_current_x96, liquidity, remaining_abs, zero_for_one)?
        };
    }

    // At the target, the delta computed above is reused (`max && exactIn ? amountIn : ...`).
    let max = sqrt_ratio_target_x96 == sqrt_ratio_next_x96;
    if zero_for_one {
        if !max || !exact_in {
            amount_in = get_amount0_delta(sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, true)?;
        }
        if !max || exact_in {
            amount_out = get_amount1_delta(sqrt_ratio_next_x96, sqrt_ratio_current_x96, liquidity, false)?;
        }
    } else {
        if !max || !exact_in {
            amount_in = get_amount1_delta(sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, true)?;
        }
        if !max || exact_in {
            amount_out = get_amount0_delta(sqrt_ratio_current_x96, sqrt_ratio_next_x96, liquidity, false)?;
        }
    }

    // Exact output never pays out more than was asked for.
    if !exact_in && amount_out > remaining_abs {
        amount_out = remaining_abs;
    }

    let fee_amount = if exact_in && sqrt_ratio_next_x96 != sqrt_ratio_target_x96 {
        // The whole remainder is spent: what did not move the price is fee
        // (unchecked subtraction in the contract; it cannot underflow there).
        remaining_abs.wrapping_sub(amount_in)
    } else {
        mul_div_rounding_up(amount_in, fee, one_minus_fee)?
    };

    Ok(SwapStep { sqrt_ratio_next_x96, amount_in, amount_out, fee_amount })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(num: u128, den: u128) -> U256 {
        // encodePriceSqrt(reserve1, reserve0) = sqrt(num/den) * 2^96, floor.
        let scaled: U256 = U256::from(num) << 192;
        (scaled / U256::from(den)).root(2)
    }

    #[test]
    fn exact_in_capped_at_target_price() {
        // v3-core SwapMath.spec: "exact amount in that gets capped at price target in one for zero".
        let current = price(1, 1);
        let target = price(101, 100);
        let step = compute_swap_step(
            current,
            target,
            2 * 10u128.pow(18),
            I256::try_from(10i128.pow(18)).unwrap(),
            600,
        )
        .unwrap();
        assert_eq!(step.amount_in, U256::from(9_975_124_224_178_055u64));
        assert_eq!(step.fee_amount, U256::from(5_988_667_735_148u64));
        assert_eq!(step.amount_out, U256::from(9_925_619_580_021_728u64));
        assert_eq!(step.sqrt_ratio_next_x96, target);
    }

    #[test]
    fn exact_in_fully_spent() {
        // "exact amount in that is fully spent in one for zero"
        let current = price(1, 1);
        let target = price(1000, 100);
        let step = compute_swap_step(
            current,
            target,
            2 * 10u128.pow(18),
            I256::try_from(10i128.pow(18)).unwrap(),
            600,
        )
        .unwrap();
        assert_eq!(step.amount_in, U256::from(999_400_000_000_000_000u64));
        assert_eq!(step.fee_amount, U256::from(600_000_000_000_000u64));
        assert_eq!(step.amount_out, U256::from(666_399_946_655_997_866u64));
        assert!(step.sqrt_ratio_next_x96 < target);
    }

    #[test]
    fn entire_input_to_fee_when_no_movement() {
        // "amount in is entirely fee": 10 wei in at fee 872 at this price only pays fee.
        let step = compute_swap_step(
            U256::from_str_radix("2413", 10).unwrap(),
            U256::from_str_radix("79887613182836312", 10).unwrap(),
            1_985_041_575_832_132_834_610_021_537_970,
            I256::try_from(10i128).unwrap(),
            1872,
        )
        .unwrap();
        assert_eq!(step.amount_in, U256::ZERO);
        assert_eq!(step.fee_amount, U256::from(10u8));
        assert_eq!(step.amount_out, U256::ZERO);
        assert_eq!(step.sqrt_ratio_next_x96, U256::from(2413u32));
    }
}
