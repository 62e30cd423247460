//! FullMath.sol: multiply then divide with a 512-bit intermediate.

use crate::error::Revert;
use crate::U256;
use ruint::aliases::U512;

/// `FullMath.mulDiv`: floor(a × b ÷ denominator); reverts when the denominator
/// is zero or the result does not fit 256 bits.
#[inline]
pub fn mul_div(a: U256, b: U256, denominator: U256) -> Result<U256, Revert> {
    if denominator.is_zero() {
        return Err(Revert::MulDivOverflow);
    }
    let (product, overflow) = a.overflowing_mul(b);
    if !overflow {
        return Ok(div_rem(product, denominator).0);
    }
    let wide: U512 = a.widening_mul(b);
    if denominator.is_power_of_two() {
        // Q96 and friends: a shift, no long division.
        return narrow(wide >> denominator.trailing_zeros()).ok_or(Revert::MulDivOverflow);
    }
    let quotient = wide / U512::from(denominator);
    narrow(quotient).ok_or(Revert::MulDivOverflow)
}

/// `FullMath.mulDivRoundingUp`: ceil(a × b ÷ denominator).
#[inline]
pub fn mul_div_rounding_up(a: U256, b: U256, denominator: U256) -> Result<U256, Revert> {
    if denominator.is_zero() {
        return Err(Revert::MulDivOverflow);
    }
    let (product, overflow) = a.overflowing_mul(b);
    if !overflow {
        let (quotient, remainder) = div_rem(product, denominator);
        if remainder.is_zero() {
            return Ok(quotient);
        }
        // `require(result < type(uint256).max)` before the increment.
        return quotient.checked_add(U256::from(1u8)).ok_or(Revert::MulDivOverflow);
    }
    let wide: U512 = a.widening_mul(b);
    let (quotient, remainder) = if denominator.is_power_of_two() {
        let shift = denominator.trailing_zeros();
        (wide >> shift, wide & ((U512::from(1u8) << shift) - U512::from(1u8)))
    } else {
        wide.div_rem(U512::from(denominator))
    };
    let result = narrow(quotient).ok_or(Revert::MulDivOverflow)?;
    if remainder.is_zero() {
        return Ok(result);
    }
    if result == U256::MAX {
        return Err(Revert::MulDivOverflow);
    }
    Ok(result + U256::from(1u8))
}

/// `UnsafeMath.divRoundingUp`: ceil(x ÷ y); the caller guarantees y > 0
/// (Solidity returns 0 for y == 0, and so do we).
#[inline]
pub fn div_rounding_up(x: U256, y: U256) -> U256 {
    if y.is_zero() {
        return U256::ZERO;
    }
    let (quotient, remainder) = div_rem(x, y);
    if remainder.is_zero() {
        quotient
    } else {
        quotient + U256::from(1u8)
    }
}

/// Quotient and remainder; the caller guarantees a non-zero divisor. Most
/// operands of the swap math fit 128 bits, where the native division is
/// several times cheaper than the multi-limb one.
#[inline]
pub fn div_rem(numerator: U256, denominator: U256) -> (U256, U256) {
    let (n, d) = (numerator.as_limbs(), denominator.as_limbs());
    if n[2] == 0 && n[3] == 0 && d[2] == 0 && d[3] == 0 {
        let n = u128::from(n[0]) | (u128::from(n[1]) << 64);
        let d = u128::from(d[0]) | (u128::from(d[1]) << 64);
        if let (Some(q), Some(r)) = (n.checked_div(d), n.checked_rem(d)) {
            return (U256::from(q), U256::from(r));
        }
    }
    numerator.div_rem(denominator)
}

#[inline]
fn narrow(value: U512) -> Option<U256> {
    let limbs = value.as_limbs();
    if limbs[4..].iter().any(|&limb| limb != 0) {
        return None;
    }
    Some(U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_matches_known_values() {
        let q128 = U256::from(1u8) << 128;
        assert_eq!(
            mul_div(q128, U256::from(35u8) * q128 / U256::from(10u8), U256::from(2u8) << 128),
            Ok(U256::from(1750u32) * q128 / U256::from(1000u32))
        );
        assert_eq!(mul_div(U256::MAX, U256::MAX, U256::MAX), Ok(U256::MAX));
        assert_eq!(mul_div(U256::from(5u8), U256::from(1u8), U256::ZERO), Err(Revert::MulDivOverflow));
        assert_eq!(mul_div(q128, q128, U256::from(1u8)), Err(Revert::MulDivOverflow));
    }

    #[test]
    fn mul_div_rounding_up_rounds_and_guards_the_top() {
        assert_eq!(
            mul_div_rounding_up(U256::from(7u8), U256::from(1u8), U256::from(2u8)),
            Ok(U256::from(4u8))
        );
        assert_eq!(mul_div_rounding_up(U256::MAX, U256::MAX, U256::MAX), Ok(U256::MAX));
        // mulDiv is MAX with a remainder: rounding up overflows.
        let a = U256::from_str_radix("535006138814359", 10).unwrap_or_default();
        let b = U256::from_str_radix("432862656469423142931042426214547535783388063929571229938474969", 10)
            .unwrap_or_default();
        assert_eq!(mul_div_rounding_up(a, b, U256::from(2u8)), Err(Revert::MulDivOverflow));
    }
}
