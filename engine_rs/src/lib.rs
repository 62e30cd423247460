//! engine_rs: the arbitrage engine's hot path.
//!
//! Exact Uniswap V2/V3 math on 256-bit integers (this crate knows nothing of
//! Python); the PyO3 bindings live in `py/` behind the `python` feature.

pub mod error;
pub mod market;
pub mod route;
pub mod scanner;
pub mod v2;
pub mod v3;

#[cfg(feature = "python")]
mod py;

pub use alloy_primitives::I256;
pub use error::{InvalidInput, MathError, MathResult, Revert};
pub use ruint::aliases::U256;
pub use scanner::{Market, MarketSnapshot};
