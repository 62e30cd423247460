//! LiquidityMath.sol

use crate::error::Revert;

/// `LiquidityMath.addDelta`: liquidity plus a signed delta, reverting `LS` / `LA`.
#[inline]
pub fn add_delta(liquidity: u128, delta: i128) -> Result<u128, Revert> {
    if delta < 0 {
        liquidity.checked_sub(delta.unsigned_abs()).ok_or(Revert::LiquiditySub)
    } else {
        liquidity.checked_add(delta.unsigned_abs()).ok_or(Revert::LiquidityAdd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_delta_reverts_like_the_contract() {
        assert_eq!(add_delta(1, 0), Ok(1));
        assert_eq!(add_delta(1, -1), Ok(0));
        assert_eq!(add_delta(1, 1), Ok(2));
        assert_eq!(add_delta(0, -1), Err(Revert::LiquiditySub));
        assert_eq!(add_delta(u128::MAX - 14, 15), Err(Revert::LiquidityAdd));
        assert_eq!(add_delta(3, -4), Err(Revert::LiquiditySub));
    }
}
