//! `Market`: the state, the cycle index and the search results together,
//! kept consistent: the index is rebuilt when the pool set changes, results
//! are re-evaluated for the pools an update touched, and anything that
//! changes valuations wholesale (gas, a restore) triggers a full scan.

use crate::error::{MathError, MathResult};
use crate::market::{Key, MarketState, PoolState, TokenId, Update};
use crate::route::paths::{self, Route};
use crate::route::search::simulate;
use crate::route::{CycleIndex, Hop, Opportunity, SearchConfig, SearchState};
use crate::v3::V3Pool;
use crate::U256;

#[derive(Debug, Clone, Default)]
pub struct Market {
    pub state: MarketState,
    pub config: SearchConfig,
    index: CycleIndex,
    search: SearchState,
    /// The search results no longer match the state (or never did).
    stale: bool,
    /// A gas price changed: results need re-valuing, not re-sizing.
    revalue: bool,
}

/// A saved copy of the market's state (pools are shared until changed).
#[derive(Debug, Clone)]
pub struct MarketSnapshot(MarketState);

impl Market {
    pub fn new(config: SearchConfig) -> Self {
        Self { config, stale: true, ..Self::default() }
    }

    pub fn index(&mut self) -> &CycleIndex {
        self.ensure_index();
        &self.index
    }

    fn ensure_index(&mut self) {
        if self.index.topology_version != self.state.topology_version
            || self.index.by_pool.len() != self.state.pools.len()
        {
            self.index = CycleIndex::build(&self.state, self.config.max_hops);
            self.stale = true;
        }
    }

    fn changed(&mut self) {
        self.stale = true;
    }

    pub fn add_token(&mut self, key: Key, decimals: u8, symbol: String) -> MathResult<()> {
        self.state.add_token(key, decimals, symbol)
    }

    pub fn add_v2_pool(
        &mut self,
        key: Key,
        token0: Key,
        token1: Key,
        reserves: (U256, U256),
        fee_bps: u32,
        dex: String,
    ) -> MathResult<()> {
        let state = PoolState::V2 { reserve0: reserves.0, reserve1: reserves.1, fee_bps };
        self.state.add_pool(key, token0, token1, dex, state)?;
        self.changed();
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_v3_pool(
        &mut self,
        key: Key,
        token0: Key,
        token1: Key,
        fee: u32,
        tick_spacing: i32,
        slot0: (U256, i32, u128),
        ticks: Vec<(i32, u128, i128)>,
        dex: String,
    ) -> MathResult<()> {
        let v3 = V3Pool::with_ticks(slot0.0, slot0.1, slot0.2, fee, tick_spacing, ticks)?;
        self.state.add_pool(key, token0, token1, dex, PoolState::V3(v3))?;
        self.changed();
        Ok(())
    }

    pub fn remove_pool(&mut self, key: &Key) -> MathResult<()> {
        self.state.remove_pool(key)?;
        self.changed();
        Ok(())
    }

    pub fn set_base_tokens(&mut self, chain_id: u64, tokens: &[Key], max_input: U256) -> MathResult<()> {
        self.state.set_base_tokens(chain_id, tokens, max_input)?;
        self.changed();
        Ok(())
    }

    /// A new gas price re-values the sized cycles (cheap); a new native
    /// token changes the gas pools, so the index and the sizing are redone.
    pub fn set_gas_price(
        &mut self,
        chain_id: u64,
        gas_price_wei: U256,
        native_token: &Key,
    ) -> MathResult<()> {
        self.state.set_gas_price(chain_id, gas_price_wei, native_token)?;
        self.revalue = true;
        Ok(())
    }

    fn catch_up(&mut self) {
        self.ensure_index();
        if self.stale {
            self.search = SearchState::full_scan(&self.state, &self.index, &self.config);
            self.stale = false;
        } else if self.revalue {
            self.search.revalue_all(&self.state, &self.index, &self.config);
        }
        self.revalue = false;
    }

    /// Apply a batch atomically and re-evaluate the cycles it affects;
    /// returns the number of pools touched.
    pub fn apply_updates(&mut self, updates: &[Update]) -> Result<usize, (usize, MathError)> {
        let touched = self.state.apply_updates(updates)?;
        self.ensure_index();
        if !self.stale {
            self.search.reevaluate(&self.state, &self.index, &self.config, &touched);
        }
        Ok(touched.len())
    }

    /// Evaluate every cycle from scratch; the ranked top_k.
    pub fn scan(&mut self) -> Vec<Opportunity> {
        self.stale = true;
        self.catch_up();
        self.search.ranked(self.config.top_k)
    }

    /// The ranked top_k of the current state (a full scan or re-valuation first if needed).
    pub fn opportunities(&mut self) -> Vec<Opportunity> {
        self.catch_up();
        self.search.ranked(self.config.top_k)
    }

    pub fn snapshot(&self) -> MarketSnapshot {
        MarketSnapshot(self.state.clone())
    }

    pub fn restore(&mut self, snapshot: &MarketSnapshot) {
        self.state = snapshot.0.clone();
        self.changed();
    }

    pub fn cycles(&mut self) -> &[crate::route::Cycle] {
        self.ensure_index();
        &self.index.cycles
    }

    pub fn evaluate_cycle(&mut self, cycle_id: u32, amount_in: U256) -> MathResult<Vec<U256>> {
        self.ensure_index();
        let cycle = *self.index.cycles.get(cycle_id as usize).ok_or_else(|| {
            MathError::from(crate::error::InvalidInput::new(
                "cycle_id",
                format!("{cycle_id} is not an indexed cycle"),
            ))
        })?;
        paths::quote(&self.state, cycle.hops(), amount_in)
    }

    pub fn quote(&self, pools: &[Key], token_in: &Key, amount_in: U256) -> MathResult<(Vec<Hop>, Vec<U256>)> {
        let token = self.state.token(token_in, "token_in")?;
        let hops = paths::path_hops(&self.state, pools, token)?;
        let amounts = paths::quote(&self.state, &hops, amount_in)?;
        Ok((hops, amounts))
    }

    pub fn gas_units(&self, hops: &[Hop], ticks_crossed: u32) -> u64 {
        let per_hop: u64 = hops
            .iter()
            .map(|hop| match self.state.pool(hop.pool).map(|p| p.is_v3()) {
                Some(true) => self.config.gas_v3_hop,
                _ => self.config.gas_v2_hop,
            })
            .sum();
        self.config.gas_overhead + per_hop + u64::from(ticks_crossed) * self.config.gas_v3_tick
    }

    pub fn best_route(
        &mut self,
        token_in: &Key,
        token_out: &Key,
        amount_in: U256,
        max_hops: usize,
    ) -> MathResult<Option<Route>> {
        let (from, to): (TokenId, TokenId) =
            (self.state.token(token_in, "token_in")?, self.state.token(token_out, "token_out")?);
        self.ensure_index();
        let this = &*self;
        Ok(paths::best_route(&this.state, &this.index, from, to, amount_in, max_hops, |hops, ticks| {
            this.gas_units(hops, ticks)
        }))
    }

    /// Re-simulate an opportunity's hops at its input (for callers checking freshness).
    pub fn resimulate(&self, opportunity: &Opportunity) -> Option<Vec<U256>> {
        simulate(&self.state, &opportunity.hops, opportunity.amount_in).map(|s| s.amounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v3::tick_math::get_sqrt_ratio_at_tick;
    use crate::I256;

    fn key(chain_id: u64, n: u8) -> Key {
        let mut address = [0u8; 20];
        address[19] = n;
        Key { chain_id, address }
    }

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64.pow(18))
    }

    /// WETH (1) / USDC-like (2) on two V2 DEXes with a 2% gap, plus a V3 pool.
    fn market() -> Market {
        let mut m = Market::new(SearchConfig::default());
        m.add_token(key(1, 1), 18, "WETH".into()).unwrap();
        m.add_token(key(1, 2), 18, "TKN".into()).unwrap();
        m.add_v2_pool(key(1, 10), key(1, 1), key(1, 2), (e18(1000), e18(2_000_000)), 30, "uni".into())
            .unwrap();
        m.add_v2_pool(key(1, 11), key(1, 1), key(1, 2), (e18(1000), e18(2_040_000)), 30, "sushi".into())
            .unwrap();
        let liquidity: u128 = 10u128.pow(22);
        let tick = 76_000; // price ~ 1999 TKN per WETH
        m.add_v3_pool(
            key(1, 12),
            key(1, 1),
            key(1, 2),
            3000,
            60,
            (get_sqrt_ratio_at_tick(tick).unwrap(), tick, liquidity),
            vec![(-887_220, liquidity, liquidity as i128), (887_220, liquidity, -(liquidity as i128))],
            "univ3".into(),
        )
        .unwrap();
        m.set_base_tokens(1, &[key(1, 1)], e18(1_000_000)).unwrap();
        m
    }

    #[test]
    fn finds_the_gap_and_sizes_it_exactly() {
        let mut m = market();
        let found = m.scan();
        assert!(!found.is_empty());
        let best = &found[0];
        assert_eq!(m.resimulate(best), Some(best.amounts.clone()));
        // Buying TKN cheap on pool 11 and selling on pool 10: the best cycle earns.
        assert!(best.profit_net > I256::ZERO);
        // Sizing is at a local optimum: a little more or less earns no more.
        for delta in [best.amount_in / U256::from(100u8), U256::from(1u8)] {
            for x in [best.amount_in + delta, best.amount_in - delta] {
                let amounts = m.evaluate_cycle(best.cycle_id, x).unwrap();
                let profit = I256::from_raw(*amounts.last().unwrap()) - I256::from_raw(x);
                assert!(profit <= best.profit_gross, "{x} earns {profit} > {}", best.profit_gross);
            }
        }
    }

    #[test]
    fn incremental_updates_equal_a_full_rescan() {
        let mut m = market();
        m.scan();
        let updates = [
            Update::Sync { pool: key(1, 10), reserve0: e18(1010), reserve1: e18(1_990_000) },
            Update::Swap {
                pool: key(1, 12),
                sqrt_price_x96: get_sqrt_ratio_at_tick(75_500).unwrap(),
                liquidity: 10u128.pow(22),
                tick: 75_500,
            },
            Update::Mint { pool: key(1, 12), tick_lower: 75_000, tick_upper: 76_020, amount: 10u128.pow(21) },
        ];
        m.apply_updates(&updates).unwrap();
        let incremental = m.opportunities();
        let mut fresh = m.clone();
        fresh.changed();
        assert_eq!(incremental, fresh.opportunities());
    }

    #[test]
    fn a_bad_batch_changes_nothing() {
        let mut m = market();
        let before = m.scan();
        let snapshot = m.snapshot();
        let updates = [
            Update::Sync { pool: key(1, 10), reserve0: e18(1), reserve1: e18(1) },
            Update::Burn {
                pool: key(1, 12),
                tick_lower: -887_220,
                tick_upper: 887_220,
                amount: 10u128.pow(23),
            },
        ];
        let (index, _) = m.apply_updates(&updates).unwrap_err();
        assert_eq!(index, 1);
        assert_eq!(m.opportunities(), before);
        let (index, _) = m
            .apply_updates(&[Update::Sync { pool: key(1, 12), reserve0: e18(1), reserve1: e18(1) }])
            .unwrap_err();
        assert_eq!(index, 0);
        m.apply_updates(&updates[..1]).unwrap();
        assert_ne!(m.opportunities(), before);
        m.restore(&snapshot);
        assert_eq!(m.opportunities(), before);
    }

    #[test]
    fn best_route_prefers_the_better_pool() {
        let mut m = market();
        let route = m.best_route(&key(1, 1), &key(1, 2), e18(1), 3).unwrap().unwrap();
        let single = |pool: u8| m.quote(&[key(1, pool)], &key(1, 1), e18(1)).unwrap().1[0];
        let best_single = [10, 11, 12].map(single).into_iter().max().unwrap();
        assert!(*route.amounts.last().unwrap() >= best_single);
    }
}
