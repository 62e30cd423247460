//! State changes in the shapes the chain's logs deliver them.

use super::pool::{Key, Pool, PoolState};
use crate::error::{InvalidInput, MathResult};
use crate::U256;

/// `uint112(-1)`: the most a V2 pair's reserve can hold.
const MAX_RESERVE: U256 = U256::from_limbs([u64::MAX, (1 << 48) - 1, 0, 0]);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// V2 `Sync(reserve0, reserve1)`.
    Sync { pool: Key, reserve0: U256, reserve1: U256 },
    /// V3 `Swap(..., sqrtPriceX96, liquidity, tick)`: the pool's state after the swap.
    Swap { pool: Key, sqrt_price_x96: U256, liquidity: u128, tick: i32 },
    /// V3 `Mint(..., tickLower, tickUpper, amount, ...)`.
    Mint { pool: Key, tick_lower: i32, tick_upper: i32, amount: u128 },
    /// V3 `Burn(..., tickLower, tickUpper, amount, ...)`.
    Burn { pool: Key, tick_lower: i32, tick_upper: i32, amount: u128 },
}

impl Update {
    pub fn pool(&self) -> Key {
        match self {
            Update::Sync { pool, .. }
            | Update::Swap { pool, .. }
            | Update::Mint { pool, .. }
            | Update::Burn { pool, .. } => *pool,
        }
    }

    /// Apply to `pool` (already the right one); on error `pool` may be
    /// partially changed, so callers apply to a scratch copy.
    pub fn apply_to(&self, pool: &mut Pool) -> MathResult<()> {
        match (self, &mut pool.state) {
            (Update::Sync { reserve0, reserve1, .. }, PoolState::V2 { reserve0: r0, reserve1: r1, .. }) => {
                for (field, value) in [("reserve0", reserve0), ("reserve1", reserve1)] {
                    if *value > MAX_RESERVE {
                        return Err(InvalidInput::new(field, format!("{value} exceeds uint112")).into());
                    }
                }
                *r0 = *reserve0;
                *r1 = *reserve1;
                Ok(())
            }
            (Update::Swap { sqrt_price_x96, liquidity, tick, .. }, PoolState::V3(v3)) => {
                v3.set_slot0(*sqrt_price_x96, *tick, *liquidity)
            }
            (Update::Mint { tick_lower, tick_upper, amount, .. }, PoolState::V3(v3)) => {
                v3.modify_position(*tick_lower, *tick_upper, liquidity_delta(*amount, false)?)
            }
            (Update::Burn { tick_lower, tick_upper, amount, .. }, PoolState::V3(v3)) => {
                v3.modify_position(*tick_lower, *tick_upper, liquidity_delta(*amount, true)?)
            }
            (update, state) => {
                let (event, kind) = match (update, state) {
                    (Update::Sync { .. }, _) => ("sync", "V3"),
                    (Update::Swap { .. }, _) => ("swap", "V2"),
                    (Update::Mint { .. }, _) => ("mint", "V2"),
                    (Update::Burn { .. }, _) => ("burn", "V2"),
                };
                Err(InvalidInput::new(
                    "pool",
                    format!("a {event} update does not apply to {kind} pool {}", hex(&pool.key)),
                )
                .into())
            }
        }
    }
}

/// `SafeCast.toInt128` of a Mint/Burn amount, negated for a burn.
fn liquidity_delta(amount: u128, burn: bool) -> MathResult<i128> {
    let delta = i128::try_from(amount)
        .map_err(|_| InvalidInput::new("amount", format!("{amount} exceeds int128")))?;
    Ok(if burn { -delta } else { delta })
}

/// `0x…` lowercase hex of an address, for messages and the Python API.
pub fn hex(key: &Key) -> String {
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for byte in key.address {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}
