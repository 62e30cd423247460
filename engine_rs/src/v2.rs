//! Uniswap V2 and its forks: constant-product quotes with the fee as a parameter.
//!
//! `UniswapV2Library.getAmountOut` hard-codes 997/1000; forks use other fees
//! (PancakeSwap 998/1000, others 9975/10000), so the fee is given in basis
//! points (see `fee_scale` for how it maps onto each contract's arithmetic).

use crate::error::{InvalidInput, MathResult, Revert};
use crate::v3::full_math::div_rem;
use crate::U256;

const BPS: u32 = 10_000;
/// `uint112(-1)`: pairs keep reserves in uint112 (`UniswapV2: OVERFLOW`).
const MAX_RESERVE: U256 = U256::from_limbs([u64::MAX, (1 << 48) - 1, 0, 0]);

/// (scale, fee factor) as the contract writes them: a fee in whole tenths of
/// a percent on the library's 1000 scale (30 -> 997/1000, 20 -> 998/1000),
/// any other on the 10000 scale of the forks that use it (25 -> 9975/10000),
/// so that SafeMath overflows happen exactly where the contract's do.
fn fee_scale(fee_bps: u32) -> MathResult<(U256, U256)> {
    if fee_bps >= BPS {
        return Err(InvalidInput::new("fee_bps", format!("{fee_bps} must be below 10000")).into());
    }
    Ok(if fee_bps % 10 == 0 {
        (U256::from(1000u32), U256::from(1000 - fee_bps / 10))
    } else {
        (U256::from(BPS), U256::from(BPS - fee_bps))
    })
}

fn check_reserves(reserve_in: U256, reserve_out: U256) -> MathResult<()> {
    if reserve_in.is_zero() || reserve_out.is_zero() {
        return Err(Revert::V2InsufficientLibraryLiquidity.into());
    }
    if reserve_in > MAX_RESERVE || reserve_out > MAX_RESERVE {
        return Err(Revert::V2Overflow.into());
    }
    Ok(())
}

/// SafeMath.mul
#[inline]
fn mul(a: U256, b: U256) -> MathResult<U256> {
    a.checked_mul(b).ok_or_else(|| Revert::V2MulOverflow.into())
}

/// SafeMath.add
#[inline]
fn add(a: U256, b: U256) -> MathResult<U256> {
    a.checked_add(b).ok_or_else(|| Revert::V2AddOverflow.into())
}

/// `UniswapV2Library.getAmountOut`: the largest output the pair accepts for `amount_in`.
#[inline]
pub fn get_amount_out(
    amount_in: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee_bps: u32,
) -> MathResult<U256> {
    let (scale, fee_factor) = fee_scale(fee_bps)?;
    if amount_in.is_zero() {
        return Err(Revert::V2InsufficientInputAmount.into());
    }
    check_reserves(reserve_in, reserve_out)?;
    let amount_in_with_fee = mul(amount_in, fee_factor)?;
    let numerator = mul(amount_in_with_fee, reserve_out)?;
    let denominator = add(mul(reserve_in, scale)?, amount_in_with_fee)?;
    Ok(div_rem(numerator, denominator).0)
}

/// `UniswapV2Library.getAmountIn`: the smallest input that buys `amount_out`.
#[inline]
pub fn get_amount_in(
    amount_out: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee_bps: u32,
) -> MathResult<U256> {
    let (scale, fee_factor) = fee_scale(fee_bps)?;
    if amount_out.is_zero() {
        return Err(Revert::V2InsufficientOutputAmount.into());
    }
    check_reserves(reserve_in, reserve_out)?;
    if amount_out >= reserve_out {
        return Err(Revert::V2InsufficientLiquidity.into());
    }
    let numerator = mul(mul(reserve_in, amount_out)?, scale)?;
    let denominator = mul(reserve_out - amount_out, fee_factor)?;
    add(div_rem(numerator, denominator).0, U256::from(1u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MathError;

    fn u(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn matches_the_997_over_1000_formula() {
        let (a, r_in, r_out) = (u(10u128.pow(18)), u(5 * 10u128.pow(21)), u(10u128.pow(22)));
        let expected = a * u(997) * r_out / (r_in * u(1000) + a * u(997));
        assert_eq!(get_amount_out(a, r_in, r_out, 30), Ok(expected));
        // PancakeSwap: 998/1000.
        let expected = a * u(998) * r_out / (r_in * u(1000) + a * u(998));
        assert_eq!(get_amount_out(a, r_in, r_out, 20), Ok(expected));
    }

    #[test]
    fn amount_in_round_trips() {
        let (r_in, r_out) = (u(123_456_789_000), u(987_654_321_000_000));
        for out in [1u128, 1000, 10u128.pow(9), 10u128.pow(14)] {
            let needed = get_amount_in(u(out), r_in, r_out, 30).unwrap();
            assert!(get_amount_out(needed, r_in, r_out, 30).unwrap() >= u(out));
            if needed > u(1) {
                assert!(get_amount_out(needed - u(1), r_in, r_out, 30).map_or(true, |o| o < u(out)));
            }
        }
    }

    #[test]
    fn reverts_with_the_library_reasons() {
        assert_eq!(get_amount_out(U256::ZERO, u(1), u(1), 30), Err(Revert::V2InsufficientInputAmount.into()));
        assert_eq!(
            get_amount_out(u(1), U256::ZERO, u(1), 30),
            Err(Revert::V2InsufficientLibraryLiquidity.into())
        );
        assert_eq!(get_amount_in(u(5), u(10), u(5), 30), Err(Revert::V2InsufficientLiquidity.into()));
        assert_eq!(get_amount_out(u(1), MAX_RESERVE + u(1), u(1), 30), Err(Revert::V2Overflow.into()));
        assert!(matches!(get_amount_out(u(1), u(1), u(1), 10_000), Err(MathError::InvalidInput(_))));
    }
}
