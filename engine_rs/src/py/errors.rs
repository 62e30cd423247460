//! Core errors as Python exceptions: contract reverts become `SwapRevert`
//! (a `ValueError` with the revert string in `.reason`), bad arguments a
//! `ValueError` naming the argument.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::error::{MathError, Revert};

pyo3::create_exception!(
    engine_rs,
    SwapRevert,
    PyValueError,
    "A revert of the reproduced contract code; `reason` is the revert string."
);

/// The exception for a revert, with `reason` set.
pub fn revert_error(py: Python<'_>, revert: Revert) -> PyErr {
    let err = SwapRevert::new_err(revert.to_string());
    // Setting an attribute on a fresh exception instance cannot fail in
    // practice; if it did, the message still carries the reason.
    let _ = err.value(py).setattr("reason", revert.reason());
    err
}

pub fn math_error(py: Python<'_>, error: MathError) -> PyErr {
    match error {
        MathError::Revert(revert) => revert_error(py, revert),
        MathError::InvalidInput(invalid) => PyValueError::new_err(invalid.to_string()),
    }
}

/// A `ValueError` naming the argument that was wrong.
pub fn invalid_argument(field: impl std::fmt::Display, problem: &str) -> PyErr {
    PyValueError::new_err(format!("{field}: {problem}"))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SwapRevert", m.py().get_type::<SwapRevert>())
}
