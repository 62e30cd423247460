//! Fast Python int <-> U256 for the batch paths.
//!
//! The portable conversion (`_PyLong_AsByteArray`, used by ruint's PyO3
//! support) costs ~40 ns an int, which alone would exceed the 100 ns budget of
//! a batched V2 quote. CPython 3.11 stores an int as a signed digit count
//! followed by 30-bit digits; reading those directly costs a few ns. The
//! layout changed in 3.12, so this path is taken only when the running
//! interpreter is CPython 3.11 with 30-bit digits (checked once at import);
//! anything else, and any value this path declines, goes the portable way.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

use crate::U256;

static DIGITS_READABLE: AtomicBool = AtomicBool::new(false);

/// CPython 3.11's `PyLongObject`: `PyObject_VAR_HEAD` then `digit ob_digit[]`.
#[repr(C)]
struct LongObject311 {
    ob_base: ffi::PyVarObject,
    ob_digit: [u32; 1],
}

const DIGIT_BITS: usize = 30;

/// Decide once whether the digit layout above is the running interpreter's.
pub fn init(py: Python<'_>) -> PyResult<()> {
    let sys = py.import("sys")?;
    let version: (u8, u8) = sys
        .getattr("version_info")?
        .get_item(0)?
        .extract::<u8>()
        .and_then(|major| Ok((major, sys.getattr("version_info")?.get_item(1)?.extract::<u8>()?)))?;
    let implementation: String = sys.getattr("implementation")?.getattr("name")?.extract()?;
    let int_info = sys.getattr("int_info")?;
    let bits: usize = int_info.getattr("bits_per_digit")?.extract()?;
    let size: usize = int_info.getattr("sizeof_digit")?.extract()?;
    let readable = implementation == "cpython" && version == (3, 11) && bits == DIGIT_BITS && size == 4;
    DIGITS_READABLE.store(readable, Ordering::Relaxed);
    Ok(())
}

/// The value of an exact, non-negative `int` below 2^256, or `None` (use the portable path).
#[inline]
pub fn read_u256(obj: &Bound<'_, PyAny>) -> Option<U256> {
    if !DIGITS_READABLE.load(Ordering::Relaxed) {
        return None;
    }
    let ptr = obj.as_ptr();
    // SAFETY: PyLong_CheckExact only reads the type; for an exact int on
    // CPython 3.11 (checked in `init`) the object is a LongObject311 whose
    // ob_size gives the number of initialised digits.
    unsafe {
        if ffi::PyLong_CheckExact(ptr) == 0 {
            return None;
        }
        let long = ptr.cast::<LongObject311>();
        let size = (*long).ob_base.ob_size;
        if !(0..=9).contains(&size) {
            return None; // negative, or above 270 bits: the portable path reports it
        }
        let digits = std::ptr::addr_of!((*long).ob_digit).cast::<u32>();
        let mut limbs = [0u64; 4];
        for i in 0..size as usize {
            let digit = u64::from(*digits.add(i));
            let bit = i * DIGIT_BITS;
            let (limb, shift) = (bit / 64, bit % 64);
            match limbs.get_mut(limb) {
                Some(slot) => *slot |= digit << shift,
                None => return None,
            }
            if shift > 64 - DIGIT_BITS {
                let carry = digit >> (64 - shift);
                match limbs.get_mut(limb + 1) {
                    Some(slot) => *slot |= carry,
                    None if carry == 0 => {}
                    None => return None,
                }
            }
        }
        Some(U256::from_limbs(limbs))
    }
}

extern "C" {
    /// CPython 3.11's allocator of an int with `size` digits (exported, unstable API).
    fn _PyLong_New(size: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

const DIGIT_MASK: u64 = (1 << DIGIT_BITS) - 1;

/// A U256 as a Python int; values below 2^64 take CPython's small-int path,
/// larger ones are written digit by digit where the layout is known.
#[inline]
pub fn u256_to_py(py: Python<'_>, value: U256) -> PyResult<Bound<'_, PyAny>> {
    let limbs = value.as_limbs();
    if limbs[1] == 0 && limbs[2] == 0 && limbs[3] == 0 {
        return Ok(limbs[0].into_pyobject(py)?.into_any());
    }
    if !DIGITS_READABLE.load(Ordering::Relaxed) {
        return Ok(value.into_pyobject(py)?.into_any());
    }
    let size = value.bit_len().div_ceil(DIGIT_BITS);
    // SAFETY: on CPython 3.11 (checked in `init`) `_PyLong_New(size)` returns
    // an int with room for `size` digits (or NULL with an exception set); we
    // write all of them, the top one non-zero, as CPython's normal form requires.
    unsafe {
        let ptr = _PyLong_New(size as ffi::Py_ssize_t);
        if ptr.is_null() {
            return Err(PyErr::fetch(py));
        }
        let digits = std::ptr::addr_of_mut!((*ptr.cast::<LongObject311>()).ob_digit).cast::<u32>();
        for i in 0..size {
            let bit = i * DIGIT_BITS;
            let (limb, shift) = (bit / 64, bit % 64);
            let mut digit = limbs.get(limb).map_or(0, |l| l >> shift);
            if shift > 64 - DIGIT_BITS {
                digit |= limbs.get(limb + 1).map_or(0, |l| l << (64 - shift));
            }
            *digits.add(i) = (digit & DIGIT_MASK) as u32;
        }
        Ok(Bound::from_owned_ptr(py, ptr))
    }
}

/// A uint256 result, converted with [`u256_to_py`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int(pub U256);

impl<'py> IntoPyObject<'py> for Int {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        u256_to_py(py, self.0)
    }
}
