//! Criterion benchmarks of the hot-path math, each beside the peer crate
//! `uniswap_v3_math` on the same inputs. The peer has no swap loop, so its
//! loop below is UniswapV3Pool.swap assembled from its library functions.
//!
//! Run: `cargo bench -p engine_rs` (or `make bench-rust`).

// A benchmark's set-up may stop on a broken invariant; library code may not.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use engine_rs::v3::{tick_math, V3Pool};
use engine_rs::{v2, I256, U256};
use uniswap_v3_math as peer;

const SPACING: i32 = 60;
const POSITIONS: i32 = 16;
const LIQUIDITY: i128 = 1_000_000_000_000_000_000_000;

/// Positions [-60k, 60k] for k = 1..=16: one initialized tick every 60 on each side.
fn ticks() -> Vec<(i32, i128)> {
    (1..=POSITIONS).flat_map(|k| [(-SPACING * k, LIQUIDITY), (SPACING * k, -LIQUIDITY)]).collect()
}

fn our_pool() -> V3Pool {
    V3Pool::new(U256::from(1u8) << 96, 0, (LIQUIDITY * POSITIONS as i128) as u128, 3000, SPACING, ticks())
        .expect("valid pool")
}

/// A price limit half a spacing beyond the n-th initialized tick below the price.
fn limit_after_crossings(n: i32) -> U256 {
    tick_math::get_sqrt_ratio_at_tick(-SPACING * n - SPACING / 2).expect("tick in range")
}

struct PeerPool {
    sqrt_price_x96: U256,
    tick: i32,
    liquidity: u128,
    fee: u32,
    bitmap: HashMap<i16, U256>,
    liquidity_net: HashMap<i32, i128>,
}

fn peer_pool() -> PeerPool {
    let mut bitmap = HashMap::new();
    let mut liquidity_net = HashMap::new();
    for (tick, net) in ticks() {
        peer::tick_bitmap::flip_tick(&mut bitmap, tick, SPACING).expect("flip");
        liquidity_net.insert(tick, net);
    }
    PeerPool {
        sqrt_price_x96: U256::from(1u8) << 96,
        tick: 0,
        liquidity: (LIQUIDITY * POSITIONS as i128) as u128,
        fee: 3000,
        bitmap,
        liquidity_net,
    }
}

/// UniswapV3Pool.swap built from the peer's library functions.
fn peer_swap(pool: &PeerPool, zero_for_one: bool, amount: I256, limit: U256) -> (I256, U256, i32, u128) {
    let mut remaining = amount;
    let mut calculated = I256::ZERO;
    let (mut price, mut tick, mut liquidity) = (pool.sqrt_price_x96, pool.tick, pool.liquidity);
    while !remaining.is_zero() && price != limit {
        let start = price;
        let (next, initialized) = peer::tick_bitmap::next_initialized_tick_within_one_word(
            &pool.bitmap,
            tick,
            SPACING,
            zero_for_one,
        )
        .expect("bitmap");
        let next = next.clamp(peer::tick_math::MIN_TICK, peer::tick_math::MAX_TICK);
        let next_price = peer::tick_math::get_sqrt_ratio_at_tick(next).expect("tick");
        let target = if (zero_for_one && next_price < limit) || (!zero_for_one && next_price > limit) {
            limit
        } else {
            next_price
        };
        let (p, amount_in, amount_out, fee) =
            peer::swap_math::compute_swap_step(price, target, liquidity, remaining, pool.fee).expect("step");
        price = p;
        remaining -= I256::from_raw(amount_in + fee);
        calculated -= I256::from_raw(amount_out);
        if price == next_price {
            if initialized {
                let net = pool.liquidity_net.get(&next).copied().unwrap_or(0);
                liquidity = peer::liquidity_math::add_delta(liquidity, if zero_for_one { -net } else { net })
                    .expect("liquidity");
            }
            tick = if zero_for_one { next - 1 } else { next };
        } else if price != start {
            tick = peer::tick_math::get_tick_at_sqrt_ratio(price).expect("ratio");
        }
    }
    (calculated, price, tick, liquidity)
}

fn bench_swap(c: &mut Criterion) {
    let ours = our_pool();
    let theirs = peer_pool();
    let amount = I256::try_from(10i128.pow(30)).expect("fits");
    let mut group = c.benchmark_group("v3_swap_exact_in");
    for crossings in [0, 1, 10] {
        let limit = limit_after_crossings(crossings);
        let expected = ours.swap(true, amount, Some(limit)).expect("swap");
        assert_eq!(expected.ticks_crossed, crossings as u32, "set-up must cross {crossings} ticks");
        let (peer_out, peer_price, peer_tick, peer_liquidity) = peer_swap(&theirs, true, amount, limit);
        assert_eq!(
            (expected.amount1, expected.sqrt_price_x96, expected.tick, expected.liquidity),
            (peer_out, peer_price, peer_tick, peer_liquidity)
        );
        group.bench_with_input(BenchmarkId::new("engine_rs", crossings), &limit, |b, &limit| {
            b.iter(|| ours.swap(black_box(true), black_box(amount), Some(black_box(limit))))
        });
        group.bench_with_input(BenchmarkId::new("uniswap_v3_math", crossings), &limit, |b, &limit| {
            b.iter(|| peer_swap(&theirs, black_box(true), black_box(amount), black_box(limit)))
        });
    }
    group.finish();
}

fn bench_tick_math(c: &mut Criterion) {
    let ticks: Vec<i32> = (0..64).map(|i| (i * 27_733) % 1_774_544 - 887_272).collect();
    let prices: Vec<U256> =
        ticks.iter().map(|&t| tick_math::get_sqrt_ratio_at_tick(t).expect("tick")).collect();
    let mut group = c.benchmark_group("tick_math_64");
    group.bench_function("get_sqrt_ratio_at_tick/engine_rs", |b| {
        b.iter(|| {
            ticks.iter().for_each(|&t| {
                let _ = black_box(tick_math::get_sqrt_ratio_at_tick(black_box(t)));
            })
        })
    });
    group.bench_function("get_sqrt_ratio_at_tick/uniswap_v3_math", |b| {
        b.iter(|| {
            ticks.iter().for_each(|&t| {
                let _ = black_box(peer::tick_math::get_sqrt_ratio_at_tick(black_box(t)));
            })
        })
    });
    group.bench_function("get_tick_at_sqrt_ratio/engine_rs", |b| {
        b.iter(|| {
            prices.iter().for_each(|&p| {
                let _ = black_box(tick_math::get_tick_at_sqrt_ratio(black_box(p)));
            })
        })
    });
    group.bench_function("get_tick_at_sqrt_ratio/uniswap_v3_math", |b| {
        b.iter(|| {
            prices.iter().for_each(|&p| {
                let _ = black_box(peer::tick_math::get_tick_at_sqrt_ratio(black_box(p)));
            })
        })
    });
    group.finish();
}

fn bench_v2(c: &mut Criterion) {
    let quotes: Vec<[U256; 3]> = (1..=1000u64)
        .map(|i| {
            [
                U256::from(i) * U256::from(10u64.pow(15)),
                U256::from(10u128.pow(24) + u128::from(i)),
                U256::from(3 * 10u128.pow(21) + u128::from(i)),
            ]
        })
        .collect();
    c.bench_function("v2_get_amount_out_1000", |b| {
        b.iter(|| {
            quotes.iter().for_each(|&[a, r_in, r_out]| {
                let _ = black_box(v2::get_amount_out(black_box(a), r_in, r_out, 30));
            })
        })
    });
}

criterion_group!(benches, bench_swap, bench_tick_math, bench_v2);
criterion_main!(benches);
