//! A fixed workload for instruction-count profiling (callgrind), which is
//! repeatable on a shared, noisy machine where wall-clock timings are not:
//!   cargo build --release --example swap_profile -p engine_rs
//!   valgrind --tool=callgrind target/release/examples/swap_profile
use engine_rs::v3::{tick_math, V3Pool};
use engine_rs::{I256, U256};

fn main() {
    let liquidity: i128 = 10i128.pow(21);
    let ticks: Vec<(i32, i128)> =
        (1..=16).flat_map(|k| [(-60 * k, liquidity), (60 * k, -liquidity)]).collect();
    let Ok(pool) = V3Pool::new(U256::from(1u8) << 96, 0, (liquidity * 16) as u128, 3000, 60, ticks) else {
        return;
    };
    let Ok(limit) = tick_math::get_sqrt_ratio_at_tick(-630) else {
        return;
    };
    let amount = I256::try_from(10i128.pow(30)).unwrap_or_default();
    let mut crossed = 0u64;
    for _ in 0..10_000 {
        if let Ok(result) = pool.swap(std::hint::black_box(true), std::hint::black_box(amount), Some(limit)) {
            crossed += u64::from(result.ticks_crossed);
        }
    }
    println!("10000 swaps, {crossed} ticks crossed");
}
