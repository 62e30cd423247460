//! A pool of either kind, as the market holds it, and the one-hop operations
//! the route search needs: exact swaps, marginal rates and virtual reserves.

use crate::v2;
use crate::v3::V3Pool;
use crate::{I256, U256};

/// A 20-byte EVM address.
pub type Address = [u8; 20];

/// Tokens and pools are identified by (chain id, address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub chain_id: u64,
    pub address: Address,
}

/// Index of a token in the market.
pub type TokenId = u32;
/// Index of a pool in the market (changes only when the pool set changes).
pub type PoolId = u32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub key: Key,
    pub decimals: u8,
    pub symbol: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolState {
    /// A Uniswap-V2-style pair; `fee_bps` is the fork's fee (30 = Uniswap).
    V2 {
        reserve0: U256,
        reserve1: U256,
        fee_bps: u32,
    },
    V3(V3Pool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub key: Key,
    pub token0: TokenId,
    pub token1: TokenId,
    pub dex: String,
    pub state: PoolState,
}

/// The outcome of one exact-input hop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HopOutput {
    pub amount_out: U256,
    pub ticks_crossed: u32,
    /// d(amount_out)/d(amount_in) after this input (f64): what one more
    /// unit of input would earn. It falls as the input grows, which is what
    /// the sizing search follows.
    pub marginal: f64,
}

const TWO_POW_96: f64 = 79_228_162_514_264_337_593_543_950_336.0;

/// A U256 as the nearest-below f64 (for screening and estimates only).
pub fn to_f64(value: U256) -> f64 {
    value.as_limbs().iter().rev().fold(0.0, |acc, &limb| acc * 18_446_744_073_709_551_616.0 + limb as f64)
}

/// A non-negative f64 as a U256, floored and saturating.
pub fn from_f64(value: f64) -> U256 {
    if value.is_nan() || value < 1.0 {
        return U256::ZERO;
    }
    if value >= 1.157_920_892_373_162e77 {
        return U256::MAX;
    }
    let bits = value.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    if exponent >= 0 {
        U256::from(mantissa) << (exponent as usize)
    } else {
        U256::from(mantissa >> ((-exponent) as u32).min(63))
    }
}

impl Pool {
    pub fn is_v3(&self) -> bool {
        matches!(self.state, PoolState::V3(_))
    }

    /// The token a hop in this direction receives.
    pub fn token_out(&self, zero_for_one: bool) -> TokenId {
        if zero_for_one {
            self.token1
        } else {
            self.token0
        }
    }

    /// Sell exactly `amount_in`; `None` when the pool cannot take all of it
    /// (a revert, or a V3 swap that runs out of price range before spending it).
    pub fn swap_exact_in(&self, zero_for_one: bool, amount_in: U256) -> Option<HopOutput> {
        if amount_in.is_zero() {
            return Some(HopOutput {
                amount_out: U256::ZERO,
                ticks_crossed: 0,
                marginal: self.log_rate(zero_for_one).exp(),
            });
        }
        match &self.state {
            PoolState::V2 { reserve0, reserve1, fee_bps } => {
                let (reserve_in, reserve_out) =
                    if zero_for_one { (*reserve0, *reserve1) } else { (*reserve1, *reserve0) };
                let amount_out = v2::get_amount_out(amount_in, reserve_in, reserve_out, *fee_bps).ok()?;
                // d/dx of g*r_out*x/(r_in + g*x) = g*r_out*r_in/(r_in + g*x)^2
                let gamma = 1.0 - f64::from(*fee_bps) / 10_000.0;
                let (r_in, r_out) = (to_f64(reserve_in), to_f64(reserve_out));
                let denominator = r_in + gamma * to_f64(amount_in);
                let marginal = gamma * r_out * r_in / (denominator * denominator);
                Some(HopOutput { amount_out, ticks_crossed: 0, marginal })
            }
            PoolState::V3(pool) => {
                let specified = I256::try_from(amount_in).ok()?;
                // Beyond the last initialized tick there is no liquidity: stop
                // there instead of walking empty bitmap words to the price
                // bound (same outcome: a swap that gets that far is not filled).
                let limit = pool.last_liquid_price(zero_for_one)?;
                let result = pool.swap(zero_for_one, specified, Some(limit)).ok()?;
                let (paid, received) = if zero_for_one {
                    (result.amount0, result.amount1)
                } else {
                    (result.amount1, result.amount0)
                };
                if paid != specified {
                    return None;
                }
                // The marginal rate at the price the swap ends on, after the fee.
                let price = (to_f64(result.sqrt_price_x96) / TWO_POW_96).powi(2);
                let gamma = 1.0 - f64::from(pool.fee()) / 1_000_000.0;
                let marginal = if zero_for_one { price * gamma } else { gamma / price };
                Some(HopOutput {
                    amount_out: received.unsigned_abs(),
                    ticks_crossed: result.ticks_crossed,
                    marginal,
                })
            }
        }
    }

    /// ln of the marginal rate (output per input at an infinitesimal size, after fees).
    pub fn log_rate(&self, zero_for_one: bool) -> f64 {
        match &self.state {
            PoolState::V2 { reserve0, reserve1, fee_bps } => {
                let (r0, r1) = (to_f64(*reserve0), to_f64(*reserve1));
                if r0 <= 0.0 || r1 <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let fee = (1.0 - f64::from(*fee_bps) / 10_000.0).ln();
                if zero_for_one {
                    r1.ln() - r0.ln() + fee
                } else {
                    r0.ln() - r1.ln() + fee
                }
            }
            PoolState::V3(pool) => {
                // price of token0 in token1 = (sqrtP / 2^96)^2
                let log_price = 2.0 * (to_f64(pool.sqrt_price_x96()) / TWO_POW_96).ln();
                let fee = (1.0 - f64::from(pool.fee()) / 1_000_000.0).ln();
                if zero_for_one {
                    log_price + fee
                } else {
                    -log_price + fee
                }
            }
        }
    }

    /// A V2 view of the hop for closed-form estimates: (reserve_in,
    /// reserve_out, 1 - fee). V3 uses its virtual reserves at the current
    /// price, L/sqrtP and L*sqrtP, valid until the next initialized tick.
    pub fn virtual_reserves(&self, zero_for_one: bool) -> (f64, f64, f64) {
        match &self.state {
            PoolState::V2 { reserve0, reserve1, fee_bps } => {
                let (r0, r1) = (to_f64(*reserve0), to_f64(*reserve1));
                let gamma = 1.0 - f64::from(*fee_bps) / 10_000.0;
                if zero_for_one {
                    (r0, r1, gamma)
                } else {
                    (r1, r0, gamma)
                }
            }
            PoolState::V3(pool) => {
                let sqrt_price = to_f64(pool.sqrt_price_x96()) / TWO_POW_96;
                let liquidity = pool.liquidity() as f64;
                let (r0, r1) = (liquidity / sqrt_price, liquidity * sqrt_price);
                let gamma = 1.0 - f64::from(pool.fee()) / 1_000_000.0;
                if zero_for_one {
                    (r0, r1, gamma)
                } else {
                    (r1, r0, gamma)
                }
            }
        }
    }

    /// The depth of this pool on `token`'s side, in that token (f64, for choosing between pools).
    pub fn depth(&self, token: TokenId) -> f64 {
        let (r0, r1, _) = self.virtual_reserves(true);
        if token == self.token0 {
            r0
        } else {
            r1
        }
    }

    /// `amount` of token0 (`zero_for_one`) or token1 valued in the other token at the mid price, floored.
    pub fn convert_at_mid(&self, amount: U256, zero_for_one: bool) -> Option<U256> {
        use crate::v3::full_math::mul_div;
        match &self.state {
            PoolState::V2 { reserve0, reserve1, .. } => {
                let (from, to) = if zero_for_one { (*reserve0, *reserve1) } else { (*reserve1, *reserve0) };
                mul_div(amount, to, from).ok()
            }
            PoolState::V3(pool) => {
                let q96 = U256::from(1u8) << 96;
                let sqrt_price = pool.sqrt_price_x96();
                if zero_for_one {
                    mul_div(mul_div(amount, sqrt_price, q96).ok()?, sqrt_price, q96).ok()
                } else {
                    mul_div(mul_div(amount, q96, sqrt_price).ok()?, q96, sqrt_price).ok()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f64_round_trips() {
        for value in [0u128, 1, 12345, 1 << 70, (1 << 100) + (1 << 60)] {
            assert_eq!(from_f64(to_f64(U256::from(value))), U256::from(value));
        }
        assert_eq!(from_f64(-3.0), U256::ZERO);
        assert_eq!(from_f64(f64::INFINITY), U256::MAX);
        assert_eq!(from_f64(2.5), U256::from(2u8));
    }
}
