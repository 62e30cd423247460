//! The market: tokens and pools of several chains, updated from chain events,
//! and the route search over them.

pub mod pool;
pub mod state;
pub mod update;

pub use pool::{Address, HopOutput, Key, Pool, PoolId, PoolState, Token, TokenId};
pub use state::{ChainConfig, MarketState};
pub use update::Update;
