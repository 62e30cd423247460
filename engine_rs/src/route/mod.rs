//! Route search: the cycle index, screening, sizing and exact evaluation,
//! and best-path quotes.

pub mod cycles;
pub mod paths;
pub mod search;
pub mod sizing;

pub use cycles::{Cycle, CycleIndex, Hop, MAX_HOPS};
pub use paths::Route;
pub use search::{Opportunity, SearchConfig, SearchState};
