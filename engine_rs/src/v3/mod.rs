//! Uniswap V3: the core libraries, one module per Solidity library, and the
//! pool's swap loop.

pub mod full_math;
pub mod liquidity_math;
pub mod pool;
pub mod sqrt_price_math;
pub mod swap_math;
pub mod tick_bitmap;
pub mod tick_math;

pub use pool::{SwapResult, V3Pool};
