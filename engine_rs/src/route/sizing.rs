//! How much to put into a cycle: a closed form for constant-product hops and
//! a golden-section search on the exact simulation otherwise.

use crate::market::pool::{from_f64, to_f64};
use crate::{I256, U256};

/// The composition of hops `out = A*x / (D + C*x)`, normalised so D = 1.
#[derive(Debug, Clone, Copy)]
pub struct Mobius {
    a: f64,
    c: f64,
}

impl Mobius {
    pub fn identity() -> Self {
        Self { a: 1.0, c: 0.0 }
    }

    /// Follow with a constant-product hop (reserve_in, reserve_out, 1 - fee):
    /// out = g*r_out*x / (r_in + g*x).
    pub fn then(self, reserve_in: f64, reserve_out: f64, gamma: f64) -> Self {
        // f2(f1(x)) = A1*A2*x / (D2 + (C1*D2 + C2*A1)*x) with D1 = 1, A2 = g*r_out, D2 = r_in, C2 = g.
        Self {
            a: self.a * gamma * reserve_out / reserve_in,
            c: self.c + gamma * self.a / reserve_in,
        }
    }

    /// `x* = (sqrt(A*D) - D) / C`, the input maximising out(x) - x; `None` when no input profits.
    pub fn optimal_input(self) -> Option<f64> {
        if !self.a.is_finite() || !self.c.is_finite() || self.a <= 1.0 || self.c <= 0.0 {
            return None;
        }
        Some((self.a.sqrt() - 1.0) / self.c)
    }
}

/// The closed-form optimum as an integer in [1, max_input].
pub fn clamp_input(x: f64, max_input: U256) -> U256 {
    from_f64(x.round()).clamp(U256::from(1u8), max_input)
}

/// Maximise a unimodal `profit` over integers in [1, max_input], starting
/// from an estimate: an exponential bracket, then golden-section down to a
/// relative width of 2^-16. Returns the best input seen and its profit.
pub fn maximise(
    estimate: U256,
    max_input: U256,
    profit: impl Fn(U256) -> Option<I256>,
) -> Option<(U256, I256)> {
    let one = U256::from(1u8);
    let mut best: Option<(U256, I256)> = None;
    let mut eval = |x: U256| -> Option<I256> {
        let value = profit(x);
        if let Some(v) = value {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((x, v));
            }
        }
        value
    };
    let better = |a: Option<I256>, b: Option<I256>| match (a, b) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        _ => false,
    };

    let x0 = estimate.clamp(one, max_input);
    let f0 = eval(x0);
    let up = x0.saturating_mul(U256::from(2u8)).min(max_input);
    let f_up = if up > x0 { eval(up) } else { None };
    let (mut lo, mut hi);
    if up > x0 && better(f_up, f0) {
        // Climb: double until the profit stops rising (or the cap).
        let (mut prev, mut x, mut fx) = (x0, up, f_up);
        loop {
            let next = x.saturating_mul(U256::from(2u8)).min(max_input);
            if next == x {
                (lo, hi) = (prev, x);
                break;
            }
            let f_next = eval(next);
            if !better(f_next, fx) {
                (lo, hi) = (prev, next);
                break;
            }
            (prev, x, fx) = (x, next, f_next);
        }
    } else {
        // Descend: halve while the profit rises.
        let (mut x, mut fx, mut upper) = (x0, f0, up);
        loop {
            let next = x >> 1;
            if next < one {
                (lo, hi) = (one, upper);
                break;
            }
            let f_next = eval(next);
            if !better(f_next, fx) {
                (lo, hi) = (next, upper);
                break;
            }
            (upper, x, fx) = (x, next, f_next);
        }
    }

    // Golden-section on [lo, hi].
    const RATIO_PPM: u64 = 381_966; // 1 - 1/phi, in millionths
    let ppm = U256::from(1_000_000u64);
    let point = |lo: U256, hi: U256| lo + (hi - lo) * U256::from(RATIO_PPM) / ppm;
    let mut c = point(lo, hi);
    let mut d = hi - (c - lo);
    let (mut fc, mut fd) = (eval(c), eval(d));
    while hi - lo > U256::from(4u8) && hi - lo > (lo >> 16) {
        if better(fd, fc) {
            lo = c;
            c = d;
            fc = fd;
            d = hi - (c - lo);
            fd = eval(d);
        } else {
            hi = d;
            d = c;
            fd = fc;
            c = point(lo, hi);
            fc = eval(c);
        }
        if c >= d {
            break;
        }
    }
    best
}

/// The V2-style estimate of where to start a search.
pub fn estimate(mobius: Mobius, max_input: U256) -> U256 {
    match mobius.optimal_input() {
        Some(x) => clamp_input(x, max_input),
        None => U256::from(1u8).max(max_input.min(from_f64(to_f64(max_input) * 1e-9))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_matches_two_hop_calculus() {
        // Two pools 1000/1100 and 1000/1000 (no fee): out = 1100x/(1000+x) then 1000y/(1000+y).
        let m = Mobius::identity()
            .then(1000.0, 1100.0, 1.0)
            .then(1000.0, 1000.0, 1.0);
        let x = m.optimal_input().unwrap();
        let profit = |x: f64| {
            let y = 1100.0 * x / (1000.0 + x);
            1000.0 * y / (1000.0 + y) - x
        };
        assert!(profit(x) > profit(x * 1.01) && profit(x) > profit(x * 0.99));
    }

    #[test]
    fn maximise_finds_the_peak_of_a_concave_integer_function() {
        let peak = U256::from(123_456_789u64);
        let f = |x: U256| -> Option<I256> {
            let x = I256::from_raw(x);
            let p = I256::from_raw(peak);
            Some(-((x - p) * (x - p)) / I256::from_raw(U256::from(1000u64)))
        };
        for start in [1u64, 1000, 123_456_789, 10_000_000_000] {
            let (x, _) = maximise(U256::from(start), U256::from(1u64 << 40), f).unwrap();
            let distance = if x > peak { x - peak } else { peak - x };
            assert!(
                distance < U256::from(123_456_789u64 >> 14),
                "start {start}: {x}"
            );
        }
    }
}
