//! Python API of the V2 quotes.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::convert::{u256_arg, Item};
use super::errors::{invalid_argument, math_error};
use super::int_fast::{u256_to_py, Int};
use crate::error::MathResult;
use crate::{v2, U256};

/// Batches at least this long run with the GIL released.
const RELEASE_GIL_FROM: usize = 256;

type Quote = fn(U256, U256, U256, u32) -> MathResult<U256>;

#[pyfunction]
#[pyo3(signature = (amount_in, reserve_in, reserve_out, fee_bps = 30))]
fn v2_get_amount_out(
    py: Python<'_>,
    amount_in: &Bound<'_, PyAny>,
    reserve_in: &Bound<'_, PyAny>,
    reserve_out: &Bound<'_, PyAny>,
    fee_bps: u32,
) -> PyResult<Int> {
    v2::get_amount_out(
        u256_arg(amount_in, "amount_in")?,
        u256_arg(reserve_in, "reserve_in")?,
        u256_arg(reserve_out, "reserve_out")?,
        fee_bps,
    )
    .map(Int)
    .map_err(|e| math_error(py, e))
}

#[pyfunction]
#[pyo3(signature = (amount_out, reserve_in, reserve_out, fee_bps = 30))]
fn v2_get_amount_in(
    py: Python<'_>,
    amount_out: &Bound<'_, PyAny>,
    reserve_in: &Bound<'_, PyAny>,
    reserve_out: &Bound<'_, PyAny>,
    fee_bps: u32,
) -> PyResult<Int> {
    v2::get_amount_in(
        u256_arg(amount_out, "amount_out")?,
        u256_arg(reserve_in, "reserve_in")?,
        u256_arg(reserve_out, "reserve_out")?,
        fee_bps,
    )
    .map(Int)
    .map_err(|e| math_error(py, e))
}

/// Quotes many `(amount, reserve_in, reserve_out)` triples; the first failing
/// one raises, naming its index.
fn quote_batch<'py>(
    py: Python<'py>,
    quotes: &Bound<'py, PyAny>,
    fee_bps: u32,
    quote: Quote,
) -> PyResult<Bound<'py, PyList>> {
    let mut inputs: Vec<[U256; 3]> = Vec::with_capacity(quotes.len().unwrap_or(0));
    for (index, item) in quotes.try_iter()?.enumerate() {
        let item = item?;
        let expected = "expected a tuple (amount, reserve_in, reserve_out)";
        let this = Item { list: "quotes", index, part: "" };
        let triple = item.downcast::<PyTuple>().map_err(|_| invalid_argument(this, expected))?;
        if triple.len() != 3 {
            return Err(invalid_argument(this, expected));
        }
        let amount = u256_arg(&*triple.get_borrowed_item(0)?, Item { part: "[0]", ..this })?;
        let reserve_in = u256_arg(&*triple.get_borrowed_item(1)?, Item { part: "[1]", ..this })?;
        let reserve_out = u256_arg(&*triple.get_borrowed_item(2)?, Item { part: "[2]", ..this })?;
        inputs.push([amount, reserve_in, reserve_out]);
    }
    let run = |inputs: &[[U256; 3]]| -> Result<Vec<U256>, (usize, crate::MathError)> {
        inputs
            .iter()
            .enumerate()
            .map(|(i, &[a, r_in, r_out])| quote(a, r_in, r_out, fee_bps).map_err(|e| (i, e)))
            .collect()
    };
    let outputs =
        if inputs.len() >= RELEASE_GIL_FROM { py.allow_threads(|| run(&inputs)) } else { run(&inputs) };
    match outputs {
        Ok(outputs) => {
            let ints =
                outputs.into_iter().map(|output| u256_to_py(py, output)).collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, ints)
        }
        Err((index, error)) => {
            let err = math_error(py, error);
            err.value(py).call_method1("add_note", (format!("in quotes[{index}]"),))?;
            Err(err)
        }
    }
}

#[pyfunction]
#[pyo3(signature = (quotes, fee_bps = 30))]
fn v2_get_amount_out_batch<'py>(
    py: Python<'py>,
    quotes: &Bound<'py, PyAny>,
    fee_bps: u32,
) -> PyResult<Bound<'py, PyList>> {
    quote_batch(py, quotes, fee_bps, v2::get_amount_out)
}

#[pyfunction]
#[pyo3(signature = (quotes, fee_bps = 30))]
fn v2_get_amount_in_batch<'py>(
    py: Python<'py>,
    quotes: &Bound<'py, PyAny>,
    fee_bps: u32,
) -> PyResult<Bound<'py, PyList>> {
    quote_batch(py, quotes, fee_bps, v2::get_amount_in)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(v2_get_amount_out, m)?)?;
    m.add_function(wrap_pyfunction!(v2_get_amount_in, m)?)?;
    m.add_function(wrap_pyfunction!(v2_get_amount_out_batch, m)?)?;
    m.add_function(wrap_pyfunction!(v2_get_amount_in_batch, m)?)?;
    Ok(())
}
