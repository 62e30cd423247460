//! Python API of the market and the route search.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use super::convert::{i128_arg, u128_arg, u160_arg, u256_arg, Item};
use super::errors::{invalid_argument, math_error};
use super::int_fast::u256_to_py;
use crate::market::update::hex;
use crate::market::{Address, Key, Update};
use crate::route::{Hop, Opportunity, Route, SearchConfig};
use crate::{MathError, I256, U256};

/// An address from "0x" + 40 hex digits or 20 bytes.
fn address_arg(obj: &Bound<'_, PyAny>, field: impl std::fmt::Display + Copy) -> PyResult<Address> {
    let mut address = [0u8; 20];
    if let Ok(bytes) = obj.downcast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        if bytes.len() == 20 {
            address.copy_from_slice(bytes);
            return Ok(address);
        }
        return Err(invalid_argument(field, "must be 20 bytes"));
    }
    let text: String = obj
        .extract()
        .map_err(|_| invalid_argument(field, "expected a 0x-prefixed hex address or 20 bytes"))?;
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(&text);
    if digits.len() != 40 {
        return Err(invalid_argument(field, &format!("{text:?} is not a 20-byte hex address")));
    }
    for (slot, pair) in address.iter_mut().zip(digits.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| invalid_argument(field, "not hex"))?;
        *slot = u8::from_str_radix(pair, 16)
            .map_err(|_| invalid_argument(field, &format!("{text:?} is not hex")))?;
    }
    Ok(address)
}

fn key_arg(chain_id: u64, obj: &Bound<'_, PyAny>, field: impl std::fmt::Display + Copy) -> PyResult<Key> {
    Ok(Key { chain_id, address: address_arg(obj, field)? })
}

fn i256_to_py(py: Python<'_>, value: I256) -> PyResult<Bound<'_, PyAny>> {
    super::convert::i256_to_py(py, value)
}

fn u256_list<'py>(py: Python<'py>, values: &[U256]) -> PyResult<Bound<'py, PyList>> {
    let items = values.iter().map(|&v| u256_to_py(py, v)).collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// A path's pools and tokens as addresses.
struct PathView {
    pools: Vec<String>,
    tokens: Vec<String>,
    zero_for_one: Vec<bool>,
}

fn path_view(market: &crate::Market, start: u32, hops: &[Hop]) -> PathView {
    let state = &market.state;
    let token_hex = |id: u32| state.tokens.get(id as usize).map_or_else(String::new, |t| hex(&t.key));
    let mut tokens = vec![token_hex(start)];
    let mut pools = Vec::with_capacity(hops.len());
    for hop in hops {
        if let Some(pool) = state.pool(hop.pool) {
            pools.push(hex(&pool.key));
            tokens.push(token_hex(pool.token_out(hop.zero_for_one)));
        }
    }
    PathView { pools, tokens, zero_for_one: hops.iter().map(|h| h.zero_for_one).collect() }
}

#[pyclass(frozen, module = "engine_rs", name = "Opportunity")]
struct PyOpportunity {
    inner: Opportunity,
    path: PathView,
}

#[pymethods]
impl PyOpportunity {
    #[getter]
    fn chain_id(&self) -> u64 {
        self.inner.chain_id
    }
    #[getter]
    fn cycle_id(&self) -> u32 {
        self.inner.cycle_id
    }
    #[getter]
    fn base_token(&self) -> String {
        self.path.tokens.first().cloned().unwrap_or_default()
    }
    #[getter]
    fn pools(&self) -> Vec<String> {
        self.path.pools.clone()
    }
    #[getter]
    fn tokens(&self) -> Vec<String> {
        self.path.tokens.clone()
    }
    #[getter]
    fn zero_for_one(&self) -> Vec<bool> {
        self.path.zero_for_one.clone()
    }
    #[getter]
    fn amount_in<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u256_to_py(py, self.inner.amount_in)
    }
    #[getter]
    fn amounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        u256_list(py, &self.inner.amounts)
    }
    #[getter]
    fn amount_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u256_to_py(py, self.inner.amounts.last().copied().unwrap_or(U256::ZERO))
    }
    #[getter]
    fn profit_gross<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        i256_to_py(py, self.inner.profit_gross)
    }
    #[getter]
    fn gas_units(&self) -> u64 {
        self.inner.gas_units
    }
    #[getter]
    fn gas_cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u256_to_py(py, self.inner.gas_cost)
    }
    #[getter]
    fn profit_net<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        i256_to_py(py, self.inner.profit_net)
    }
    fn __repr__(&self) -> String {
        format!(
            "Opportunity(chain_id={}, cycle_id={}, tokens={:?}, amount_in={}, profit_net={})",
            self.inner.chain_id,
            self.inner.cycle_id,
            self.path.tokens,
            self.inner.amount_in,
            self.inner.profit_net
        )
    }
}

#[pyclass(frozen, module = "engine_rs", name = "Route")]
struct PyRoute {
    inner: Route,
    path: PathView,
}

#[pymethods]
impl PyRoute {
    #[getter]
    fn chain_id(&self) -> u64 {
        self.inner.chain_id
    }
    #[getter]
    fn pools(&self) -> Vec<String> {
        self.path.pools.clone()
    }
    #[getter]
    fn tokens(&self) -> Vec<String> {
        self.path.tokens.clone()
    }
    #[getter]
    fn zero_for_one(&self) -> Vec<bool> {
        self.path.zero_for_one.clone()
    }
    #[getter]
    fn amount_in<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u256_to_py(py, self.inner.amount_in)
    }
    #[getter]
    fn amounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        u256_list(py, &self.inner.amounts)
    }
    #[getter]
    fn amount_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        u256_to_py(py, self.inner.amounts.last().copied().unwrap_or(U256::ZERO))
    }
    #[getter]
    fn gas_units(&self) -> u64 {
        self.inner.gas_units
    }
    fn __repr__(&self) -> String {
        format!(
            "Route(tokens={:?}, amount_in={}, amounts={:?})",
            self.path.tokens, self.inner.amount_in, self.inner.amounts
        )
    }
}

/// A pool's current state, as the market holds it (read-only).
#[pyclass(frozen, module = "engine_rs", name = "PoolView")]
struct PyPoolView {
    #[pyo3(get)]
    chain_id: u64,
    #[pyo3(get)]
    address: String,
    /// "v2" or "v3"
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    token0: String,
    #[pyo3(get)]
    token1: String,
    #[pyo3(get)]
    dex: String,
    state: crate::market::PoolState,
}

#[pymethods]
impl PyPoolView {
    #[getter]
    fn reserve0<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.state {
            crate::market::PoolState::V2 { reserve0, .. } => u256_to_py(py, *reserve0).map(Some),
            crate::market::PoolState::V3(_) => Ok(None),
        }
    }
    #[getter]
    fn reserve1<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.state {
            crate::market::PoolState::V2 { reserve1, .. } => u256_to_py(py, *reserve1).map(Some),
            crate::market::PoolState::V3(_) => Ok(None),
        }
    }
    /// V2: the fork's fee in bps; None for V3.
    #[getter]
    fn fee_bps(&self) -> Option<u32> {
        match &self.state {
            crate::market::PoolState::V2 { fee_bps, .. } => Some(*fee_bps),
            crate::market::PoolState::V3(_) => None,
        }
    }
    /// V3: the fee tier in hundredths of a bip; None for V2.
    #[getter]
    fn fee(&self) -> Option<u32> {
        self.v3().map(|p| p.fee())
    }
    #[getter]
    fn tick_spacing(&self) -> Option<i32> {
        self.v3().map(|p| p.tick_spacing())
    }
    #[getter]
    fn sqrt_price_x96<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.v3().map(|p| u256_to_py(py, p.sqrt_price_x96())).transpose()
    }
    #[getter]
    fn tick(&self) -> Option<i32> {
        self.v3().map(|p| p.tick())
    }
    #[getter]
    fn liquidity(&self) -> Option<u128> {
        self.v3().map(|p| p.liquidity())
    }
    /// V3: every initialized tick as (tick, liquidity_gross, liquidity_net); None for V2.
    #[getter]
    fn ticks(&self) -> Option<Vec<(i32, u128, i128)>> {
        self.v3().map(|p| p.ticks().iter().map(|t| (t.tick, t.liquidity_gross, t.liquidity_net)).collect())
    }
    fn __repr__(&self) -> String {
        format!(
            "PoolView(chain_id={}, address={}, kind={}, dex={:?})",
            self.chain_id, self.address, self.kind, self.dex
        )
    }
}

impl PyPoolView {
    fn v3(&self) -> Option<&crate::v3::V3Pool> {
        match &self.state {
            crate::market::PoolState::V3(pool) => Some(pool),
            crate::market::PoolState::V2 { .. } => None,
        }
    }

    fn of(market: &crate::Market, pool: &crate::market::Pool) -> Self {
        let token = |id: u32| market.state.tokens.get(id as usize).map_or_else(String::new, |t| hex(&t.key));
        Self {
            chain_id: pool.key.chain_id,
            address: hex(&pool.key),
            kind: if pool.is_v3() { "v3" } else { "v2" },
            token0: token(pool.token0),
            token1: token(pool.token1),
            dex: pool.dex.clone(),
            state: pool.state.clone(),
        }
    }
}

/// (cycle_id, chain_id, base_token, pools, zero_for_one)
type CycleView = (u32, u64, String, Vec<String>, Vec<bool>);

#[pyclass(frozen, module = "engine_rs", name = "MarketSnapshot")]
struct PyMarketSnapshot(crate::MarketSnapshot);

#[pyclass(module = "engine_rs", name = "Market")]
struct PyMarket(crate::Market);

fn update_arg(item: &Bound<'_, PyAny>, index: usize) -> PyResult<Update> {
    let this = Item { list: "updates", index, part: "" };
    let tuple = item
        .downcast::<PyTuple>()
        .map_err(|_| invalid_argument(this, "expected a tuple (kind, chain_id, pool, ...)"))?;
    let kind: String = tuple
        .get_item(0)
        .and_then(|k| k.extract())
        .map_err(|_| invalid_argument(this, "expected the update kind first: sync, swap, mint or burn"))?;
    let arity = if kind == "sync" { 5 } else { 6 };
    if tuple.len() != arity {
        return Err(invalid_argument(
            this,
            &format!("a {kind} update has {arity} fields, got {}", tuple.len()),
        ));
    }
    let field = |i: usize| tuple.get_item(i);
    let chain_id: u64 = field(1)?
        .extract()
        .map_err(|_| invalid_argument(Item { part: ".chain_id", ..this }, "expected an int"))?;
    let pool = key_arg(chain_id, &field(2)?, Item { part: ".pool", ..this })?;
    let int = |i: usize, part: &'static str| -> PyResult<i32> {
        field(i)?.extract().map_err(|_| invalid_argument(Item { part, ..this }, "expected an int24"))
    };
    Ok(match kind.as_str() {
        "sync" => Update::Sync {
            pool,
            reserve0: u256_arg(&field(3)?, Item { part: ".reserve0", ..this })?,
            reserve1: u256_arg(&field(4)?, Item { part: ".reserve1", ..this })?,
        },
        "swap" => Update::Swap {
            pool,
            sqrt_price_x96: u160_arg(&field(3)?, Item { part: ".sqrt_price_x96", ..this })?,
            liquidity: u128_arg(&field(4)?, Item { part: ".liquidity", ..this })?,
            tick: int(5, ".tick")?,
        },
        "mint" | "burn" => {
            let (tick_lower, tick_upper) = (int(3, ".tick_lower")?, int(4, ".tick_upper")?);
            let amount = u128_arg(&field(5)?, Item { part: ".amount", ..this })?;
            if kind == "mint" {
                Update::Mint { pool, tick_lower, tick_upper, amount }
            } else {
                Update::Burn { pool, tick_lower, tick_upper, amount }
            }
        }
        other => {
            return Err(invalid_argument(
                this,
                &format!("unknown update kind {other:?}: expected sync, swap, mint or burn"),
            ))
        }
    })
}

fn batch_error(py: Python<'_>, (index, error): (usize, MathError)) -> PyErr {
    let err = math_error(py, error);
    let message = format!("updates[{index}]: {}", err.value(py));
    match err.value(py).is_instance_of::<super::errors::SwapRevert>() {
        true => {
            let _ = err.value(py).call_method1("add_note", (format!("in updates[{index}]"),));
            err
        }
        false => PyValueError::new_err(message),
    }
}

impl PyMarket {
    fn opportunities_to_py(&self, found: Vec<Opportunity>) -> Vec<PyOpportunity> {
        found
            .into_iter()
            .map(|inner| {
                let path = path_view(&self.0, inner.base, &inner.hops);
                PyOpportunity { inner, path }
            })
            .collect()
    }
}

#[pymethods]
impl PyMarket {
    #[new]
    #[pyo3(signature = (max_hops = 3, min_profit = None, top_k = 100, gas_overhead = 60_000, gas_v2_hop = 60_000, gas_v3_hop = 90_000, gas_v3_tick = 20_000))]
    fn new(
        max_hops: usize,
        min_profit: Option<&Bound<'_, PyAny>>,
        top_k: usize,
        gas_overhead: u64,
        gas_v2_hop: u64,
        gas_v3_hop: u64,
        gas_v3_tick: u64,
    ) -> PyResult<Self> {
        if !(2..=crate::route::MAX_HOPS).contains(&max_hops) {
            return Err(invalid_argument("max_hops", "must be 2, 3 or 4"));
        }
        let min_profit = match min_profit {
            Some(value) => super::convert::i256_arg(value, "min_profit")?,
            None => I256::ONE,
        };
        let config =
            SearchConfig { max_hops, min_profit, top_k, gas_overhead, gas_v2_hop, gas_v3_hop, gas_v3_tick };
        Ok(Self(crate::Market::new(config)))
    }

    #[getter]
    fn num_tokens(&self) -> usize {
        self.0.state.tokens.len()
    }
    #[getter]
    fn num_pools(&self) -> usize {
        self.0.state.pools.len()
    }
    #[getter]
    fn num_cycles(&mut self) -> usize {
        self.0.cycles().len()
    }

    #[pyo3(signature = (chain_id, address, decimals, symbol = String::new()))]
    fn add_token(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        address: &Bound<'_, PyAny>,
        decimals: u8,
        symbol: String,
    ) -> PyResult<()> {
        let key = key_arg(chain_id, address, "address")?;
        self.0.add_token(key, decimals, symbol).map_err(|e| math_error(py, e))
    }

    #[pyo3(signature = (chain_id, address, token0, token1, reserve0, reserve1, fee_bps = 30, dex = String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn add_v2_pool(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        address: &Bound<'_, PyAny>,
        token0: &Bound<'_, PyAny>,
        token1: &Bound<'_, PyAny>,
        reserve0: &Bound<'_, PyAny>,
        reserve1: &Bound<'_, PyAny>,
        fee_bps: u32,
        dex: String,
    ) -> PyResult<()> {
        let key = key_arg(chain_id, address, "address")?;
        let (t0, t1) = (key_arg(chain_id, token0, "token0")?, key_arg(chain_id, token1, "token1")?);
        let reserves = (u256_arg(reserve0, "reserve0")?, u256_arg(reserve1, "reserve1")?);
        self.0.add_v2_pool(key, t0, t1, reserves, fee_bps, dex).map_err(|e| math_error(py, e))
    }

    #[pyo3(signature = (chain_id, address, token0, token1, fee, tick_spacing, sqrt_price_x96, tick, liquidity, ticks, dex = String::new()))]
    #[allow(clippy::too_many_arguments)]
    fn add_v3_pool(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        address: &Bound<'_, PyAny>,
        token0: &Bound<'_, PyAny>,
        token1: &Bound<'_, PyAny>,
        fee: u32,
        tick_spacing: i32,
        sqrt_price_x96: &Bound<'_, PyAny>,
        tick: i32,
        liquidity: &Bound<'_, PyAny>,
        ticks: &Bound<'_, PyAny>,
        dex: String,
    ) -> PyResult<()> {
        let key = key_arg(chain_id, address, "address")?;
        let (t0, t1) = (key_arg(chain_id, token0, "token0")?, key_arg(chain_id, token1, "token1")?);
        let mut parsed = Vec::new();
        for (index, item) in ticks.try_iter()?.enumerate() {
            let item = item?;
            let this = Item { list: "ticks", index, part: "" };
            let (t, gross, net): (i32, Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(|_| {
                    invalid_argument(this, "expected a tuple (tick, liquidity_gross, liquidity_net)")
                })?;
            parsed.push((
                t,
                u128_arg(&gross, Item { part: ".liquidity_gross", ..this })?,
                i128_arg(&net, Item { part: ".liquidity_net", ..this })?,
            ));
        }
        let slot0 = (u160_arg(sqrt_price_x96, "sqrt_price_x96")?, tick, u128_arg(liquidity, "liquidity")?);
        self.0.add_v3_pool(key, t0, t1, fee, tick_spacing, slot0, parsed, dex).map_err(|e| math_error(py, e))
    }

    fn remove_pool(&mut self, py: Python<'_>, chain_id: u64, address: &Bound<'_, PyAny>) -> PyResult<()> {
        let key = key_arg(chain_id, address, "address")?;
        self.0.remove_pool(&key).map_err(|e| math_error(py, e))
    }

    #[pyo3(signature = (chain_id, tokens, max_input = None))]
    fn set_base_tokens(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        tokens: &Bound<'_, PyAny>,
        max_input: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let mut keys = Vec::new();
        for (index, token) in tokens.try_iter()?.enumerate() {
            keys.push(key_arg(chain_id, &token?, Item { list: "tokens", index, part: "" })?);
        }
        let max_input = match max_input {
            Some(value) => u256_arg(value, "max_input")?,
            None => U256::from(1u8) << 128,
        };
        self.0.set_base_tokens(chain_id, &keys, max_input).map_err(|e| math_error(py, e))
    }

    fn set_gas_price(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        gas_price_wei: &Bound<'_, PyAny>,
        native_token: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let price = u256_arg(gas_price_wei, "gas_price_wei")?;
        let native = key_arg(chain_id, native_token, "native_token")?;
        self.0.set_gas_price(chain_id, price, &native).map_err(|e| math_error(py, e))
    }

    fn apply_updates(&mut self, py: Python<'_>, updates: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut parsed = Vec::new();
        for (index, item) in updates.try_iter()?.enumerate() {
            parsed.push(update_arg(&item?, index)?);
        }
        let market = &mut self.0;
        py.allow_threads(|| market.apply_updates(&parsed)).map_err(|e| batch_error(py, e))
    }

    fn update(&mut self, py: Python<'_>, updates: &Bound<'_, PyAny>) -> PyResult<Vec<PyOpportunity>> {
        self.apply_updates(py, updates)?;
        self.opportunities(py)
    }

    fn snapshot(&self) -> PyMarketSnapshot {
        PyMarketSnapshot(self.0.snapshot())
    }

    fn restore(&mut self, snapshot: &PyMarketSnapshot) {
        self.0.restore(&snapshot.0);
    }

    fn scan(&mut self, py: Python<'_>) -> Vec<PyOpportunity> {
        let market = &mut self.0;
        let found = py.allow_threads(|| market.scan());
        self.opportunities_to_py(found)
    }

    fn opportunities(&mut self, py: Python<'_>) -> PyResult<Vec<PyOpportunity>> {
        let market = &mut self.0;
        let found = py.allow_threads(|| market.opportunities());
        Ok(self.opportunities_to_py(found))
    }

    fn cycles(&mut self) -> Vec<CycleView> {
        let cycles = self.0.cycles().to_vec();
        cycles
            .iter()
            .enumerate()
            .map(|(id, cycle)| {
                let view = path_view(&self.0, cycle.base, cycle.hops());
                let base = view.tokens.first().cloned().unwrap_or_default();
                (id as u32, cycle.chain_id, base, view.pools, view.zero_for_one)
            })
            .collect()
    }

    fn evaluate_cycle<'py>(
        &mut self,
        py: Python<'py>,
        cycle_id: u32,
        amount_in: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let amount = u256_arg(amount_in, "amount_in")?;
        let amounts = self.0.evaluate_cycle(cycle_id, amount).map_err(|e| math_error(py, e))?;
        u256_list(py, &amounts)
    }

    fn quote<'py>(
        &self,
        py: Python<'py>,
        chain_id: u64,
        pools: &Bound<'py, PyAny>,
        token_in: &Bound<'py, PyAny>,
        amount_in: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut keys = Vec::new();
        for (index, pool) in pools.try_iter()?.enumerate() {
            keys.push(key_arg(chain_id, &pool?, Item { list: "pools", index, part: "" })?);
        }
        let token = key_arg(chain_id, token_in, "token_in")?;
        let amount = u256_arg(amount_in, "amount_in")?;
        let (_, amounts) = self.0.quote(&keys, &token, amount).map_err(|e| math_error(py, e))?;
        u256_list(py, &amounts)
    }

    #[pyo3(signature = (chain_id, token_in, token_out, amount_in, max_hops = 3))]
    fn best_route(
        &mut self,
        py: Python<'_>,
        chain_id: u64,
        token_in: &Bound<'_, PyAny>,
        token_out: &Bound<'_, PyAny>,
        amount_in: &Bound<'_, PyAny>,
        max_hops: usize,
    ) -> PyResult<Option<PyRoute>> {
        if !(1..=crate::route::MAX_HOPS).contains(&max_hops) {
            return Err(invalid_argument("max_hops", "must be 1 to 4"));
        }
        let from = key_arg(chain_id, token_in, "token_in")?;
        let to = key_arg(chain_id, token_out, "token_out")?;
        let amount = u256_arg(amount_in, "amount_in")?;
        let market = &mut self.0;
        let route = py
            .allow_threads(|| market.best_route(&from, &to, amount, max_hops))
            .map_err(|e| math_error(py, e))?;
        Ok(route.map(|inner| {
            let start = inner.tokens.first().copied().unwrap_or_default();
            let path = path_view(&self.0, start, &inner.hops);
            PyRoute { inner, path }
        }))
    }

    /// One pool's current state.
    fn pool(&self, py: Python<'_>, chain_id: u64, address: &Bound<'_, PyAny>) -> PyResult<PyPoolView> {
        let key = key_arg(chain_id, address, "address")?;
        let id = self.0.state.pool_id(&key).map_err(|e| math_error(py, e))?;
        let pool = self.0.state.pool(id).ok_or_else(|| invalid_argument("address", "pool vanished"))?;
        Ok(PyPoolView::of(&self.0, pool))
    }

    /// Every pool (of one chain, if given), in the market's order.
    #[pyo3(signature = (chain_id = None))]
    fn pools(&self, chain_id: Option<u64>) -> Vec<PyPoolView> {
        self.0
            .state
            .pools
            .iter()
            .filter(|p| chain_id.is_none_or(|c| p.key.chain_id == c))
            .map(|p| PyPoolView::of(&self.0, p))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!("Market(tokens={}, pools={})", self.0.state.tokens.len(), self.0.state.pools.len())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyOpportunity>()?;
    m.add_class::<PyRoute>()?;
    m.add_class::<PyMarketSnapshot>()?;
    m.add_class::<PyPoolView>()?;
    m.add_class::<PyMarket>()?;
    Ok(())
}
