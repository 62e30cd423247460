//! Python int <-> fixed-width integers, with errors that name the argument.

use std::fmt::Display;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyInt;

use super::errors::invalid_argument;
use crate::{I256, U256};

const TWO_POW_255: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);

fn require_int(obj: &Bound<'_, PyAny>, field: impl Display) -> PyResult<()> {
    if obj.is_instance_of::<PyInt>() {
        Ok(())
    } else {
        Err(PyTypeError::new_err(format!(
            "{field}: expected an int, got {}",
            obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        )))
    }
}

/// Names an element of a list argument, e.g. `quotes[7][1]`; formatted only
/// when an error needs it, so batches pay nothing for it.
#[derive(Clone, Copy)]
pub struct Item<'a> {
    pub list: &'a str,
    pub index: usize,
    pub part: &'a str,
}

impl Display for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]{}", self.list, self.index, self.part)
    }
}

/// A uint256 argument.
#[inline]
pub fn u256_arg(obj: &Bound<'_, PyAny>, field: impl Display + Copy) -> PyResult<U256> {
    if let Some(value) = super::int_fast::read_u256(obj) {
        return Ok(value);
    }
    match obj.extract::<U256>() {
        Ok(value) => Ok(value),
        Err(_) => {
            require_int(obj, field)?;
            Err(invalid_argument(field, "must be an int in [0, 2**256)"))
        }
    }
}

/// A uint160 argument (sqrt prices).
pub fn u160_arg(obj: &Bound<'_, PyAny>, field: impl Display + Copy) -> PyResult<U256> {
    let value = u256_arg(obj, field)?;
    if value.bit_len() > 160 {
        return Err(invalid_argument(field, "must be an int in [0, 2**160)"));
    }
    Ok(value)
}

/// A uint128 argument (liquidity).
pub fn u128_arg(obj: &Bound<'_, PyAny>, field: impl Display + Copy) -> PyResult<u128> {
    obj.extract::<u128>().or_else(|_| {
        require_int(obj, field)?;
        Err(invalid_argument(field, "must be an int in [0, 2**128)"))
    })
}

/// An int128 argument (liquidity_net).
pub fn i128_arg(obj: &Bound<'_, PyAny>, field: impl Display + Copy) -> PyResult<i128> {
    obj.extract::<i128>().or_else(|_| {
        require_int(obj, field)?;
        Err(invalid_argument(field, "must be an int in [-2**127, 2**127)"))
    })
}

/// An int256 argument (signed amounts).
pub fn i256_arg(obj: &Bound<'_, PyAny>, field: impl Display + Copy) -> PyResult<I256> {
    if let Ok(small) = obj.extract::<i128>() {
        return Ok(I256::try_from(small).unwrap_or(I256::ZERO));
    }
    require_int(obj, field)?;
    let out_of_range = || invalid_argument(field, "must be an int in [-2**255, 2**255)");
    if obj.lt(0)? {
        let magnitude: U256 = obj.neg()?.extract().map_err(|_| out_of_range())?;
        if magnitude > TWO_POW_255 {
            return Err(out_of_range());
        }
        Ok(I256::from_raw(magnitude).wrapping_neg())
    } else {
        let magnitude: U256 = obj.extract().map_err(|_| out_of_range())?;
        if magnitude >= TWO_POW_255 {
            return Err(out_of_range());
        }
        Ok(I256::from_raw(magnitude))
    }
}

/// An int256 as a Python int.
pub fn i256_to_py(py: Python<'_>, value: I256) -> PyResult<Bound<'_, PyAny>> {
    if let Ok(small) = i128::try_from(value) {
        return Ok(small.into_pyobject(py)?.into_any());
    }
    let magnitude = value.unsigned_abs().into_pyobject(py)?.into_any();
    if value.is_negative() {
        magnitude.neg()
    } else {
        Ok(magnitude)
    }
}
