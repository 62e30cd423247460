//! Cycle enumeration and the index from each pool to the cycles through it.

use crate::market::{MarketState, PoolId, TokenId};

/// The most hops a cycle may have.
pub const MAX_HOPS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hop {
    pub pool: PoolId,
    /// True when the hop sells the pool's token0.
    pub zero_for_one: bool,
}

/// A closed path base -> ... -> base, without repeating a pool or a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    pub chain_id: u64,
    pub base: TokenId,
    hops: [Hop; MAX_HOPS],
    len: u8,
}

impl Cycle {
    pub fn hops(&self) -> &[Hop] {
        self.hops.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// Every cycle of the market and, per pool, the cycles through it.
#[derive(Debug, Clone, Default)]
pub struct CycleIndex {
    pub cycles: Vec<Cycle>,
    pub by_pool: Vec<Vec<u32>>,
    /// Per token, the pools that trade it.
    pub adjacency: Vec<Vec<PoolId>>,
    /// Pools that value gas (native token against a base token): a change
    /// there changes the net profit of every cycle on that chain.
    pub gas_pools: Vec<bool>,
    pub topology_version: u64,
}

impl CycleIndex {
    pub fn build(state: &MarketState, max_hops: usize) -> Self {
        let max_hops = max_hops.clamp(2, MAX_HOPS);
        let mut adjacency: Vec<Vec<PoolId>> = vec![Vec::new(); state.tokens.len()];
        for (id, pool) in state.pools.iter().enumerate() {
            for token in [pool.token0, pool.token1] {
                if let Some(list) = adjacency.get_mut(token as usize) {
                    list.push(id as PoolId);
                }
            }
        }
        let mut cycles = Vec::new();
        for (&chain_id, chain) in &state.chains {
            for &base in &chain.base_tokens {
                let mut search =
                    Dfs { state, adjacency: &adjacency, chain_id, base, max_hops, cycles: &mut cycles };
                search.extend(base, &mut Vec::with_capacity(max_hops), &mut vec![base]);
            }
        }
        let mut by_pool: Vec<Vec<u32>> = vec![Vec::new(); state.pools.len()];
        for (id, cycle) in cycles.iter().enumerate() {
            for hop in cycle.hops() {
                if let Some(list) = by_pool.get_mut(hop.pool as usize) {
                    list.push(id as u32);
                }
            }
        }
        let mut gas_pools = vec![false; state.pools.len()];
        for (id, pool) in state.pools.iter().enumerate() {
            if let Some(chain) = state.chains.get(&pool.key.chain_id) {
                if let Some(native) = chain.native_token {
                    let pair = |a: TokenId, b: TokenId| {
                        (pool.token0 == a && pool.token1 == b) || (pool.token0 == b && pool.token1 == a)
                    };
                    if chain.base_tokens.iter().any(|&base| base != native && pair(native, base)) {
                        if let Some(flag) = gas_pools.get_mut(id) {
                            *flag = true;
                        }
                    }
                }
            }
        }
        Self { cycles, by_pool, adjacency, gas_pools, topology_version: state.topology_version }
    }
}

struct Dfs<'a> {
    state: &'a MarketState,
    adjacency: &'a [Vec<PoolId>],
    chain_id: u64,
    base: TokenId,
    max_hops: usize,
    cycles: &'a mut Vec<Cycle>,
}

impl Dfs<'_> {
    fn extend(&mut self, token: TokenId, hops: &mut Vec<Hop>, visited: &mut Vec<TokenId>) {
        let Some(pools) = self.adjacency.get(token as usize) else {
            return;
        };
        for &pool_id in pools {
            if hops.iter().any(|hop| hop.pool == pool_id) {
                continue;
            }
            let Some(pool) = self.state.pool(pool_id) else {
                continue;
            };
            if pool.key.chain_id != self.chain_id {
                continue;
            }
            let zero_for_one = pool.token0 == token;
            let next = pool.token_out(zero_for_one);
            hops.push(Hop { pool: pool_id, zero_for_one });
            if next == self.base {
                if hops.len() >= 2 {
                    let mut array = [Hop::default(); MAX_HOPS];
                    for (slot, hop) in array.iter_mut().zip(hops.iter()) {
                        *slot = *hop;
                    }
                    self.cycles.push(Cycle {
                        chain_id: self.chain_id,
                        base: self.base,
                        hops: array,
                        len: hops.len() as u8,
                    });
                }
            } else if hops.len() < self.max_hops && !visited.contains(&next) {
                visited.push(next);
                self.extend(next, hops, visited);
                visited.pop();
            }
            hops.pop();
        }
    }
}
