//! Quotes along a given path and the best path between two tokens.

use super::cycles::{CycleIndex, Hop};
use super::search::simulate;
use crate::error::{InvalidInput, MathResult};
use crate::market::{Key, MarketState, TokenId};
use crate::U256;

/// The best path found for a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub chain_id: u64,
    pub tokens: Vec<TokenId>,
    pub hops: Vec<Hop>,
    pub amount_in: U256,
    pub amounts: Vec<U256>,
    pub gas_units: u64,
}

/// The directions of a path of pools starting with `token_in`.
pub fn path_hops(state: &MarketState, pools: &[Key], token_in: TokenId) -> MathResult<Vec<Hop>> {
    let mut token = token_in;
    let mut hops = Vec::with_capacity(pools.len());
    for key in pools {
        let id = state.pool_id(key)?;
        let pool = state.pool(id).ok_or_else(|| InvalidInput::new("pools", "pool vanished"))?;
        let zero_for_one = if pool.token0 == token {
            true
        } else if pool.token1 == token {
            false
        } else {
            return Err(InvalidInput::new(
                "pools",
                format!(
                    "pool {} does not trade the token the path holds at that point",
                    crate::market::update::hex(key)
                ),
            )
            .into());
        };
        token = pool.token_out(zero_for_one);
        hops.push(Hop { pool: id, zero_for_one });
    }
    Ok(hops)
}

/// Exact outputs of each hop; a hop that cannot take its input is an error naming it.
pub fn quote(state: &MarketState, hops: &[Hop], amount_in: U256) -> MathResult<Vec<U256>> {
    simulate(state, hops, amount_in).map(|s| s.amounts).ok_or_else(|| {
        InvalidInput::new(
            "amount_in",
            "a pool on the path cannot take this amount (reverts or runs out of range)",
        )
        .into()
    })
}

/// The best path so far: output, hops, tokens, per-hop amounts, ticks crossed.
type Best = (U256, Vec<Hop>, Vec<TokenId>, Vec<U256>, u32);

/// Depth-first over paths of up to `max_hops` pools (no pool or token twice),
/// simulating as it goes, keeping the largest output.
pub fn best_route(
    state: &MarketState,
    index: &CycleIndex,
    token_in: TokenId,
    token_out: TokenId,
    amount_in: U256,
    max_hops: usize,
    gas: impl Fn(&[Hop], u32) -> u64,
) -> Option<Route> {
    struct Walk<'a> {
        state: &'a MarketState,
        index: &'a CycleIndex,
        token_out: TokenId,
        max_hops: usize,
        hops: Vec<Hop>,
        tokens: Vec<TokenId>,
        amounts: Vec<U256>,
        ticks: Vec<u32>,
        best: Option<Best>,
    }
    impl Walk<'_> {
        fn go(&mut self, token: TokenId, amount: U256) {
            let Some(pools) = self.index.adjacency.get(token as usize) else {
                return;
            };
            for &pool_id in pools {
                if self.hops.iter().any(|h| h.pool == pool_id) {
                    continue;
                }
                let Some(pool) = self.state.pool(pool_id) else {
                    continue;
                };
                let zero_for_one = pool.token0 == token;
                let next = pool.token_out(zero_for_one);
                if self.tokens.contains(&next) {
                    continue;
                }
                let Some(output) = pool.swap_exact_in(zero_for_one, amount) else {
                    continue;
                };
                self.hops.push(Hop { pool: pool_id, zero_for_one });
                self.tokens.push(next);
                self.amounts.push(output.amount_out);
                self.ticks.push(output.ticks_crossed);
                if next == self.token_out {
                    if self.best.as_ref().is_none_or(|(out, ..)| output.amount_out > *out) {
                        self.best = Some((
                            output.amount_out,
                            self.hops.clone(),
                            self.tokens.clone(),
                            self.amounts.clone(),
                            self.ticks.iter().sum(),
                        ));
                    }
                } else if self.hops.len() < self.max_hops {
                    self.go(next, output.amount_out);
                }
                self.hops.pop();
                self.tokens.pop();
                self.amounts.pop();
                self.ticks.pop();
            }
        }
    }
    if token_in == token_out || amount_in.is_zero() {
        return None;
    }
    let chain_id = state.tokens.get(token_in as usize)?.key.chain_id;
    let mut walk = Walk {
        state,
        index,
        token_out,
        max_hops: max_hops.max(1),
        hops: Vec::new(),
        tokens: vec![token_in],
        amounts: Vec::new(),
        ticks: Vec::new(),
        best: None,
    };
    walk.go(token_in, amount_in);
    let (_, hops, tokens, amounts, ticks) = walk.best?;
    let gas_units = gas(&hops, ticks);
    debug_assert_eq!(simulate(state, &hops, amount_in).map(|s| s.amounts), Some(amounts.clone()));
    Some(Route { chain_id, tokens, hops, amount_in, amounts, gas_units })
}
