//! Python API of the V3 libraries and the pool's swap.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::convert::{i128_arg, i256_arg, i256_to_py, u128_arg, u160_arg, u256_arg, Item};
use super::errors::{invalid_argument, math_error, revert_error};
use super::int_fast::Int;
use crate::error::Revert;
use crate::v3::{full_math, sqrt_price_math, swap_math, tick_bitmap::TickBitmap, tick_math};
use crate::{I256, U256};

/// Batches at least this long run with the GIL released.
const RELEASE_GIL_FROM: usize = 16;

fn reverted<T>(py: Python<'_>, result: Result<T, Revert>) -> PyResult<T> {
    result.map_err(|r| revert_error(py, r))
}

fn reverted_int(py: Python<'_>, result: Result<U256, Revert>) -> PyResult<Int> {
    reverted(py, result).map(Int)
}

// --- library functions ---------------------------------------------------------

#[pyfunction]
fn mul_div(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    denominator: &Bound<'_, PyAny>,
) -> PyResult<Int> {
    reverted_int(
        py,
        full_math::mul_div(u256_arg(a, "a")?, u256_arg(b, "b")?, u256_arg(denominator, "denominator")?),
    )
}

#[pyfunction]
fn mul_div_rounding_up(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    denominator: &Bound<'_, PyAny>,
) -> PyResult<Int> {
    reverted_int(
        py,
        full_math::mul_div_rounding_up(
            u256_arg(a, "a")?,
            u256_arg(b, "b")?,
            u256_arg(denominator, "denominator")?,
        ),
    )
}

#[pyfunction]
fn get_sqrt_ratio_at_tick(py: Python<'_>, tick: i64) -> PyResult<Int> {
    let tick = i32::try_from(tick).map_err(|_| revert_error(py, Revert::TickOutOfRange))?;
    reverted_int(py, tick_math::get_sqrt_ratio_at_tick(tick))
}

#[pyfunction]
fn get_tick_at_sqrt_ratio(py: Python<'_>, sqrt_price_x96: &Bound<'_, PyAny>) -> PyResult<i32> {
    reverted(py, tick_math::get_tick_at_sqrt_ratio(u160_arg(sqrt_price_x96, "sqrt_price_x96")?))
}

#[pyfunction]
fn get_next_sqrt_price_from_input(
    py: Python<'_>,
    sqrt_price_x96: &Bound<'_, PyAny>,
    liquidity: &Bound<'_, PyAny>,
    amount_in: &Bound<'_, PyAny>,
    zero_for_one: bool,
) -> PyResult<Int> {
    reverted_int(
        py,
        sqrt_price_math::get_next_sqrt_price_from_input(
            u160_arg(sqrt_price_x96, "sqrt_price_x96")?,
            u128_arg(liquidity, "liquidity")?,
            u256_arg(amount_in, "amount_in")?,
            zero_for_one,
        ),
    )
}

#[pyfunction]
fn get_next_sqrt_price_from_output(
    py: Python<'_>,
    sqrt_price_x96: &Bound<'_, PyAny>,
    liquidity: &Bound<'_, PyAny>,
    amount_out: &Bound<'_, PyAny>,
    zero_for_one: bool,
) -> PyResult<Int> {
    reverted_int(
        py,
        sqrt_price_math::get_next_sqrt_price_from_output(
            u160_arg(sqrt_price_x96, "sqrt_price_x96")?,
            u128_arg(liquidity, "liquidity")?,
            u256_arg(amount_out, "amount_out")?,
            zero_for_one,
        ),
    )
}

#[pyfunction]
fn get_amount0_delta(
    py: Python<'_>,
    sqrt_ratio_a_x96: &Bound<'_, PyAny>,
    sqrt_ratio_b_x96: &Bound<'_, PyAny>,
    liquidity: &Bound<'_, PyAny>,
    round_up: bool,
) -> PyResult<Int> {
    reverted_int(
        py,
        sqrt_price_math::get_amount0_delta(
            u160_arg(sqrt_ratio_a_x96, "sqrt_ratio_a_x96")?,
            u160_arg(sqrt_ratio_b_x96, "sqrt_ratio_b_x96")?,
            u128_arg(liquidity, "liquidity")?,
            round_up,
        ),
    )
}

#[pyfunction]
fn get_amount1_delta(
    py: Python<'_>,
    sqrt_ratio_a_x96: &Bound<'_, PyAny>,
    sqrt_ratio_b_x96: &Bound<'_, PyAny>,
    liquidity: &Bound<'_, PyAny>,
    round_up: bool,
) -> PyResult<Int> {
    reverted_int(
        py,
        sqrt_price_math::get_amount1_delta(
            u160_arg(sqrt_ratio_a_x96, "sqrt_ratio_a_x96")?,
            u160_arg(sqrt_ratio_b_x96, "sqrt_ratio_b_x96")?,
            u128_arg(liquidity, "liquidity")?,
            round_up,
        ),
    )
}

#[pyfunction]
fn compute_swap_step(
    py: Python<'_>,
    sqrt_ratio_current_x96: &Bound<'_, PyAny>,
    sqrt_ratio_target_x96: &Bound<'_, PyAny>,
    liquidity: &Bound<'_, PyAny>,
    amount_remaining: &Bound<'_, PyAny>,
    fee_pips: u32,
) -> PyResult<(Int, Int, Int, Int)> {
    if fee_pips >= swap_math::FEE_DENOMINATOR {
        return Err(invalid_argument("fee_pips", "must be below 1000000"));
    }
    let step = reverted(
        py,
        swap_math::compute_swap_step(
            u160_arg(sqrt_ratio_current_x96, "sqrt_ratio_current_x96")?,
            u160_arg(sqrt_ratio_target_x96, "sqrt_ratio_target_x96")?,
            u128_arg(liquidity, "liquidity")?,
            i256_arg(amount_remaining, "amount_remaining")?,
            fee_pips,
        ),
    )?;
    Ok((Int(step.sqrt_ratio_next_x96), Int(step.amount_in), Int(step.amount_out), Int(step.fee_amount)))
}

#[pyfunction]
fn next_initialized_tick_within_one_word(
    initialized_ticks: Vec<i32>,
    tick: i32,
    tick_spacing: i32,
    lte: bool,
) -> PyResult<(i32, bool)> {
    if tick_spacing < 1 {
        return Err(invalid_argument("tick_spacing", "must be positive"));
    }
    if let Some(t) = initialized_ticks.iter().find(|&&t| t % tick_spacing != 0) {
        return Err(invalid_argument("initialized_ticks", &format!("{t} is not a multiple of tick_spacing")));
    }
    let bitmap = TickBitmap::from_ticks(initialized_ticks, tick_spacing);
    Ok(bitmap.next_initialized_tick_within_one_word(tick, tick_spacing, lte))
}

// --- the pool ------------------------------------------------------------------

/// The outcome of a simulated swap, as the pool's `Swap` event would carry it.
#[pyclass(frozen, eq, module = "engine_rs", name = "SwapResult")]
#[derive(PartialEq)]
struct PySwapResult(crate::v3::SwapResult);

#[pymethods]
impl PySwapResult {
    #[getter]
    fn amount0<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        i256_to_py(py, self.0.amount0)
    }
    #[getter]
    fn amount1<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        i256_to_py(py, self.0.amount1)
    }
    #[getter]
    fn sqrt_price_x96(&self) -> U256 {
        self.0.sqrt_price_x96
    }
    #[getter]
    fn tick(&self) -> i32 {
        self.0.tick
    }
    #[getter]
    fn liquidity(&self) -> u128 {
        self.0.liquidity
    }
    #[getter]
    fn ticks_crossed(&self) -> u32 {
        self.0.ticks_crossed
    }
    fn __repr__(&self) -> String {
        let r = &self.0;
        format!(
            "SwapResult(amount0={}, amount1={}, sqrt_price_x96={}, tick={}, liquidity={}, ticks_crossed={})",
            r.amount0, r.amount1, r.sqrt_price_x96, r.tick, r.liquidity, r.ticks_crossed
        )
    }
}

/// An immutable V3 pool snapshot that simulates `UniswapV3Pool.swap`.
#[pyclass(frozen, module = "engine_rs", name = "V3Pool")]
struct PyV3Pool(crate::v3::V3Pool);

type SwapRequest = (bool, I256, Option<U256>);

fn swap_request(item: &Bound<'_, PyAny>, index: usize) -> PyResult<SwapRequest> {
    let this = Item { list: "swaps", index, part: "" };
    let expected = "expected (zero_for_one, amount_specified, sqrt_price_limit_x96 | None)";
    let tuple = item.downcast::<PyTuple>().map_err(|_| invalid_argument(this, expected))?;
    if tuple.len() != 3 {
        return Err(invalid_argument(this, expected));
    }
    let zero_for_one: bool = tuple
        .get_borrowed_item(0)?
        .extract()
        .map_err(|_| invalid_argument(Item { part: ".zero_for_one", ..this }, "expected a bool"))?;
    let amount = i256_arg(&*tuple.get_borrowed_item(1)?, Item { part: ".amount_specified", ..this })?;
    let limit = tuple.get_borrowed_item(2)?;
    let limit = if limit.is_none() {
        None
    } else {
        Some(u160_arg(&limit, Item { part: ".sqrt_price_limit_x96", ..this })?)
    };
    Ok((zero_for_one, amount, limit))
}

#[pymethods]
impl PyV3Pool {
    #[new]
    fn new(
        py: Python<'_>,
        sqrt_price_x96: &Bound<'_, PyAny>,
        tick: i32,
        liquidity: &Bound<'_, PyAny>,
        fee: u32,
        tick_spacing: i32,
        ticks: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let mut parsed = Vec::with_capacity(ticks.len().unwrap_or(0));
        for (index, item) in ticks.try_iter()?.enumerate() {
            let item = item?;
            let this = Item { list: "ticks", index, part: "" };
            let (t, net): (i32, Bound<'_, PyAny>) = item
                .extract()
                .map_err(|_| invalid_argument(this, "expected a tuple (tick, liquidity_net)"))?;
            parsed.push((t, i128_arg(&net, Item { part: ".liquidity_net", ..this })?));
        }
        crate::v3::V3Pool::new(
            u160_arg(sqrt_price_x96, "sqrt_price_x96")?,
            tick,
            u128_arg(liquidity, "liquidity")?,
            fee,
            tick_spacing,
            parsed,
        )
        .map(PyV3Pool)
        .map_err(|e| math_error(py, e))
    }

    #[getter]
    fn sqrt_price_x96(&self) -> U256 {
        self.0.sqrt_price_x96()
    }
    #[getter]
    fn tick(&self) -> i32 {
        self.0.tick()
    }
    #[getter]
    fn liquidity(&self) -> u128 {
        self.0.liquidity()
    }
    #[getter]
    fn fee(&self) -> u32 {
        self.0.fee()
    }
    #[getter]
    fn tick_spacing(&self) -> i32 {
        self.0.tick_spacing()
    }
    #[getter]
    fn ticks(&self) -> Vec<(i32, i128)> {
        self.0.ticks().iter().map(|info| (info.tick, info.liquidity_net)).collect()
    }

    #[pyo3(signature = (zero_for_one, amount_specified, sqrt_price_limit_x96 = None))]
    fn swap(
        &self,
        py: Python<'_>,
        zero_for_one: bool,
        amount_specified: &Bound<'_, PyAny>,
        sqrt_price_limit_x96: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySwapResult> {
        let amount = i256_arg(amount_specified, "amount_specified")?;
        let limit = sqrt_price_limit_x96.map(|l| u160_arg(l, "sqrt_price_limit_x96")).transpose()?;
        reverted(py, self.0.swap(zero_for_one, amount, limit)).map(PySwapResult)
    }

    /// Independent swaps from this state; each entry is a SwapResult or the SwapRevert it raised.
    fn swap_batch<'py>(&self, py: Python<'py>, swaps: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let mut requests = Vec::with_capacity(swaps.len().unwrap_or(0));
        for (index, item) in swaps.try_iter()?.enumerate() {
            requests.push(swap_request(&item?, index)?);
        }
        let pool = &self.0;
        let run = |requests: &[SwapRequest]| -> Vec<Result<crate::v3::SwapResult, Revert>> {
            requests
                .iter()
                .map(|&(zero_for_one, amount, limit)| pool.swap(zero_for_one, amount, limit))
                .collect()
        };
        let results = if requests.len() >= RELEASE_GIL_FROM {
            py.allow_threads(|| run(&requests))
        } else {
            run(&requests)
        };
        let list = PyList::empty(py);
        for result in results {
            match result {
                Ok(swap) => list.append(Bound::new(py, PySwapResult(swap))?)?,
                Err(revert) => list.append(revert_error(py, revert).into_value(py))?,
            }
        }
        Ok(list)
    }

    fn __repr__(&self) -> String {
        let p = &self.0;
        format!(
            "V3Pool(sqrt_price_x96={}, tick={}, liquidity={}, fee={}, tick_spacing={}, ticks=<{} initialized>)",
            p.sqrt_price_x96(),
            p.tick(),
            p.liquidity(),
            p.fee(),
            p.tick_spacing(),
            p.ticks().len()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MIN_TICK", tick_math::MIN_TICK)?;
    m.add("MAX_TICK", tick_math::MAX_TICK)?;
    m.add("MIN_SQRT_RATIO", tick_math::MIN_SQRT_RATIO)?;
    m.add("MAX_SQRT_RATIO", tick_math::MAX_SQRT_RATIO)?;
    m.add_function(wrap_pyfunction!(mul_div, m)?)?;
    m.add_function(wrap_pyfunction!(mul_div_rounding_up, m)?)?;
    m.add_function(wrap_pyfunction!(get_sqrt_ratio_at_tick, m)?)?;
    m.add_function(wrap_pyfunction!(get_tick_at_sqrt_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(get_next_sqrt_price_from_input, m)?)?;
    m.add_function(wrap_pyfunction!(get_next_sqrt_price_from_output, m)?)?;
    m.add_function(wrap_pyfunction!(get_amount0_delta, m)?)?;
    m.add_function(wrap_pyfunction!(get_amount1_delta, m)?)?;
    m.add_function(wrap_pyfunction!(compute_swap_step, m)?)?;
    m.add_function(wrap_pyfunction!(next_initialized_tick_within_one_word, m)?)?;
    m.add_class::<PySwapResult>()?;
    m.add_class::<PyV3Pool>()?;
    Ok(())
}
