//! Evaluating cycles: screening on marginal rates, sizing, exact simulation,
//! gas, and the ranked set of opportunities kept up to date incrementally.

use std::collections::BTreeSet;

use super::cycles::{Cycle, CycleIndex, Hop};
use super::sizing::{clamp_input, estimate, maximise, Mobius};
use crate::market::pool::to_f64;
use crate::market::{ChainConfig, MarketState, PoolId, TokenId};
use crate::{I256, U256};

/// Search parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchConfig {
    pub max_hops: usize,
    /// Smallest net profit reported, in base token units.
    pub min_profit: I256,
    pub top_k: usize,
    pub gas_overhead: u64,
    pub gas_v2_hop: u64,
    pub gas_v3_hop: u64,
    pub gas_v3_tick: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            max_hops: 3,
            min_profit: I256::ONE,
            top_k: 100,
            gas_overhead: 60_000,
            gas_v2_hop: 60_000,
            gas_v3_hop: 90_000,
            gas_v3_tick: 20_000,
        }
    }
}

/// A sized, exactly simulated profitable cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub cycle_id: u32,
    pub chain_id: u64,
    pub base: TokenId,
    pub hops: Vec<Hop>,
    pub amount_in: U256,
    /// Output of each hop; the last is the cycle's output.
    pub amounts: Vec<U256>,
    pub profit_gross: I256,
    pub gas_units: u64,
    pub gas_cost: U256,
    pub profit_net: I256,
    /// Net profit in the chain's native token (f64), for ranking across base tokens.
    pub rank_value: f64,
}

/// An exact run of a cycle at one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    pub amounts: Vec<U256>,
    pub ticks_crossed: u32,
}

/// Simulate hops in order with the exact math; `None` if any hop cannot take its input.
pub fn simulate(state: &MarketState, hops: &[Hop], amount_in: U256) -> Option<Simulation> {
    let mut amounts = Vec::with_capacity(hops.len());
    let mut ticks_crossed = 0;
    let mut amount = amount_in;
    for hop in hops {
        let output = state.pool(hop.pool)?.swap_exact_in(hop.zero_for_one, amount)?;
        amount = output.amount_out;
        ticks_crossed += output.ticks_crossed;
        amounts.push(amount);
    }
    Some(Simulation { amounts, ticks_crossed })
}

/// The cycle's output minus its input and the ln of its marginal rate there
/// (> 0 while more input would still earn more), or `None` when it cannot run.
fn profit_at(state: &MarketState, hops: &[Hop], amount_in: U256) -> Option<(I256, f64)> {
    let mut amount = amount_in;
    let mut log_marginal = 0.0;
    for hop in hops {
        let output = state.pool(hop.pool)?.swap_exact_in(hop.zero_for_one, amount)?;
        amount = output.amount_out;
        log_marginal += output.marginal.ln();
    }
    let profit = I256::try_from(amount).ok()?.checked_sub(I256::try_from(amount_in).ok()?)?;
    Some((profit, log_marginal))
}

/// Marginal log-rates per pool: [zero_for_one, one_for_zero].
pub fn log_rates(state: &MarketState, pool: PoolId) -> [f64; 2] {
    state.pool(pool).map_or([f64::NEG_INFINITY; 2], |p| [p.log_rate(true), p.log_rate(false)])
}

/// The deepest pool pairing `native` and `base` on a chain, among those indexed as gas pools.
fn gas_pool(state: &MarketState, index: &CycleIndex, native: TokenId, base: TokenId) -> Option<PoolId> {
    let candidates = index.adjacency.get(native as usize)?;
    let mut best: Option<(PoolId, f64)> = None;
    for &id in candidates {
        let pool = state.pool(id)?;
        if pool.token0 != base && pool.token1 != base {
            continue;
        }
        let depth = pool.depth(native);
        if best.is_none_or(|(_, d)| depth > d) {
            best = Some((id, depth));
        }
    }
    best.map(|(id, _)| id)
}

/// Gas cost in base token units and the base-per-native rate, at the deepest native/base pool's mid price.
fn gas_in_base(
    state: &MarketState,
    index: &CycleIndex,
    chain: &ChainConfig,
    base: TokenId,
    gas_units: u64,
) -> Option<(U256, f64)> {
    let wei = U256::from(gas_units).checked_mul(chain.gas_price_wei)?;
    let Some(native) = chain.native_token else {
        return if wei.is_zero() { Some((U256::ZERO, 1.0)) } else { None };
    };
    if native == base {
        return Some((wei, 1.0));
    }
    let Some(pool_id) = gas_pool(state, index, native, base) else {
        return if wei.is_zero() { Some((U256::ZERO, 1.0)) } else { None };
    };
    let pool = state.pool(pool_id)?;
    let zero_for_one = pool.token0 == native;
    let one_native =
        U256::from(10u64).checked_pow(U256::from(state.tokens.get(native as usize)?.decimals))?;
    let rate = to_f64(pool.convert_at_mid(one_native, zero_for_one)?) / to_f64(one_native);
    Some((pool.convert_at_mid(wei, zero_for_one)?, rate))
}

/// A cycle sized and simulated exactly at its best input: everything about
/// it that does not depend on the price of gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizing {
    pub amount_in: U256,
    /// Output of each hop; the last is the cycle's output.
    pub amounts: Vec<U256>,
    pub profit_gross: I256,
    pub gas_units: u64,
}

/// Screen on marginal rates, size, and simulate one cycle exactly; `None`
/// unless it earns something before gas. The result depends only on the
/// current state (never on earlier sizings), so that incremental updates
/// give exactly what a full rescan gives.
pub fn size(state: &MarketState, config: &SearchConfig, rates: &[[f64; 2]], cycle: &Cycle) -> Option<Sizing> {
    let hops = cycle.hops();
    let log_sum: f64 = hops
        .iter()
        .map(|hop| {
            rates
                .get(hop.pool as usize)
                .map_or(f64::NEG_INFINITY, |r| if hop.zero_for_one { r[0] } else { r[1] })
        })
        .sum();
    if log_sum.is_nan() || log_sum <= 0.0 {
        return None;
    }
    let chain = state.chains.get(&cycle.chain_id)?;
    let mut mobius = Mobius::identity();
    let mut all_v2 = true;
    for hop in hops {
        let pool = state.pool(hop.pool)?;
        let (reserve_in, reserve_out, gamma) = pool.virtual_reserves(hop.zero_for_one);
        mobius = mobius.then(reserve_in, reserve_out, gamma);
        all_v2 &= !pool.is_v3();
    }
    let amount_in = if all_v2 {
        clamp_input(mobius.optimal_input()?, chain.max_input)
    } else {
        maximise(estimate(mobius, chain.max_input), chain.max_input, |x| profit_at(state, hops, x))?.0
    };

    let simulation = simulate(state, hops, amount_in)?;
    let amount_out = *simulation.amounts.last()?;
    let profit_gross = I256::try_from(amount_out).ok()?.checked_sub(I256::try_from(amount_in).ok()?)?;
    if profit_gross <= I256::ZERO {
        return None;
    }
    let gas_units = hops.iter().try_fold(config.gas_overhead, |gas, hop| {
        let pool = state.pool(hop.pool)?;
        Some(gas + if pool.is_v3() { config.gas_v3_hop } else { config.gas_v2_hop })
    })? + u64::from(simulation.ticks_crossed) * config.gas_v3_tick;
    Some(Sizing { amount_in, amounts: simulation.amounts, profit_gross, gas_units })
}

/// Value a sized cycle at the chain's gas price; `None` below `min_profit`
/// (or when gas cannot be valued in the base token).
pub fn value(
    state: &MarketState,
    index: &CycleIndex,
    config: &SearchConfig,
    cycle_id: u32,
    sizing: &Sizing,
) -> Option<Opportunity> {
    let cycle: &Cycle = index.cycles.get(cycle_id as usize)?;
    let chain = state.chains.get(&cycle.chain_id)?;
    let (gas_cost, base_per_native) = gas_in_base(state, index, chain, cycle.base, sizing.gas_units)?;
    let profit_net = sizing.profit_gross.checked_sub(I256::try_from(gas_cost).ok()?)?;
    if profit_net < config.min_profit {
        return None;
    }
    let net = if profit_net.is_negative() {
        -to_f64(profit_net.unsigned_abs())
    } else {
        to_f64(profit_net.unsigned_abs())
    };
    Some(Opportunity {
        cycle_id,
        chain_id: cycle.chain_id,
        base: cycle.base,
        hops: cycle.hops().to_vec(),
        amount_in: sizing.amount_in,
        amounts: sizing.amounts.clone(),
        profit_gross: sizing.profit_gross,
        gas_units: sizing.gas_units,
        gas_cost,
        profit_net,
        rank_value: if base_per_native > 0.0 { net / base_per_native } else { net },
    })
}

/// The results of every cycle, kept current as pools change: the sizing
/// (which depends on pool states) and the valuation (which also depends on
/// gas), so that a new gas price re-values without re-sizing.
#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub rates: Vec<[f64; 2]>,
    pub sizings: Vec<Option<Sizing>>,
    pub results: Vec<Option<Opportunity>>,
    pub profitable: BTreeSet<u32>,
}

impl SearchState {
    /// Size and value every cycle from scratch.
    pub fn full_scan(state: &MarketState, index: &CycleIndex, config: &SearchConfig) -> Self {
        use rayon::prelude::*;
        let rates: Vec<[f64; 2]> = (0..state.pools.len()).map(|id| log_rates(state, id as PoolId)).collect();
        // Cycles are independent: size them on every core.
        let sizings: Vec<Option<Sizing>> = index
            .cycles
            .par_iter()
            .with_min_len(64)
            .map(|cycle| size(state, config, &rates, cycle))
            .collect();
        let mut search = Self { rates, sizings, results: Vec::new(), profitable: BTreeSet::new() };
        search.revalue_all(state, index, config);
        search
    }

    fn revalue(&mut self, state: &MarketState, index: &CycleIndex, config: &SearchConfig, id: u32) {
        let result = self
            .sizings
            .get(id as usize)
            .and_then(|s| s.as_ref())
            .and_then(|s| value(state, index, config, id, s));
        if result.is_some() {
            self.profitable.insert(id);
        } else {
            self.profitable.remove(&id);
        }
        if let Some(slot) = self.results.get_mut(id as usize) {
            *slot = result;
        }
    }

    /// Re-value every sized cycle (after a change of gas price).
    pub fn revalue_all(&mut self, state: &MarketState, index: &CycleIndex, config: &SearchConfig) {
        self.results = vec![None; self.sizings.len()];
        self.profitable.clear();
        for id in 0..self.sizings.len() as u32 {
            if self.sizings.get(id as usize).is_some_and(Option::is_some) {
                self.revalue(state, index, config, id);
            }
        }
    }

    /// Re-size only the cycles through `touched` pools; when a pool that
    /// values gas changed, re-value (not re-size) every cycle of its chain.
    pub fn reevaluate(
        &mut self,
        state: &MarketState,
        index: &CycleIndex,
        config: &SearchConfig,
        touched: &[PoolId],
    ) {
        let mut resize: BTreeSet<u32> = BTreeSet::new();
        let mut chains: BTreeSet<u64> = BTreeSet::new();
        for &pool in touched {
            if let Some(rate) = self.rates.get_mut(pool as usize) {
                *rate = log_rates(state, pool);
            }
            if let Some(cycles) = index.by_pool.get(pool as usize) {
                resize.extend(cycles.iter().copied());
            }
            if index.gas_pools.get(pool as usize).copied().unwrap_or(false) {
                if let Some(p) = state.pool(pool) {
                    chains.insert(p.key.chain_id);
                }
            }
        }
        // Re-size in parallel: a hub pool can sit in thousands of cycles.
        let resized: Vec<(u32, Option<Sizing>)> = {
            use rayon::prelude::*;
            let ids: Vec<u32> = resize.iter().copied().collect();
            let rates = &self.rates;
            ids.par_iter()
                .with_min_len(32)
                .map(|&id| {
                    (id, index.cycles.get(id as usize).and_then(|cycle| size(state, config, rates, cycle)))
                })
                .collect()
        };
        for (id, sizing) in resized {
            if let Some(slot) = self.sizings.get_mut(id as usize) {
                *slot = sizing;
            }
            self.revalue(state, index, config, id);
        }
        if !chains.is_empty() {
            let sized: Vec<u32> = self
                .sizings
                .iter()
                .enumerate()
                .filter(|(id, s)| {
                    s.is_some()
                        && !resize.contains(&(*id as u32))
                        && index.cycles.get(*id).is_some_and(|c| chains.contains(&c.chain_id))
                })
                .map(|(id, _)| id as u32)
                .collect();
            for id in sized {
                self.revalue(state, index, config, id);
            }
        }
    }

    /// The best `top_k` by net profit valued in native token (ties: lower cycle id first).
    pub fn ranked(&self, top_k: usize) -> Vec<Opportunity> {
        let mut found: Vec<&Opportunity> =
            self.profitable.iter().filter_map(|&id| self.results.get(id as usize)?.as_ref()).collect();
        found.sort_by(|a, b| b.rank_value.total_cmp(&a.rank_value).then(a.cycle_id.cmp(&b.cycle_id)));
        found.into_iter().take(top_k).cloned().collect()
    }
}
