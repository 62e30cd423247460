//! The Python module `engine_rs._engine_rs`: a thin layer over the pure-Rust
//! core. Conversions and errors live here and nowhere else.

mod convert;
mod errors;
mod int_fast;
mod market;
mod v2;
mod v3;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_engine_rs")]
fn engine_rs_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    int_fast::init(m.py())?;
    errors::register(m)?;
    v2::register(m)?;
    v3::register(m)?;
    market::register(m)?;
    Ok(())
}
