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
        Self { a: self.a * gamma * reserve_out / reserve_in, c: self.c + gamma * self.a / reserve_in }
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

/// Maximise a cycle's profit over integers in [1, max_input], starting from
/// an estimate. `profit(x)` returns the exact profit and the ln of the
/// cycle's marginal rate at x (the sign of the profit's slope; it falls as x
/// grows), or `None` where the cycle cannot take x (treated as too much).
/// An exponential bracket (x4 steps) finds a sign change of the slope, then
/// Illinois regula falsi closes in on it to a relative width of 2^-16.
/// Returns the most profitable input evaluated.
pub fn maximise(
    estimate: U256,
    max_input: U256,
    profit: impl Fn(U256) -> Option<(I256, f64)>,
) -> Option<(U256, I256)> {
    let one = U256::from(1u8);
    let mut best: Option<(U256, I256)> = None;
    let mut slope = |x: U256| -> f64 {
        match profit(x) {
            Some((value, log_marginal)) => {
                if best.is_none_or(|(_, b)| value > b) {
                    best = Some((x, value));
                }
                if log_marginal.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    log_marginal
                }
            }
            None => f64::NEG_INFINITY,
        }
    };

    let x0 = estimate.clamp(one, max_input);
    let g0 = slope(x0);
    let (mut lo, mut g_lo, mut hi, mut g_hi);
    if g0 > 0.0 {
        (lo, g_lo) = (x0, g0);
        loop {
            let x = lo.saturating_mul(U256::from(4u8)).min(max_input);
            if x == lo {
                return best; // still rising at the cap
            }
            let g = slope(x);
            if g > 0.0 {
                (lo, g_lo) = (x, g);
            } else {
                (hi, g_hi) = (x, g);
                break;
            }
        }
    } else {
        (hi, g_hi) = (x0, g0);
        loop {
            if hi == one {
                return best; // falling from the first unit: no profit to find
            }
            let quarter: U256 = hi >> 2;
            let x = quarter.max(one);
            let g = slope(x);
            if g > 0.0 {
                (lo, g_lo) = (x, g);
                break;
            }
            (hi, g_hi) = (x, g);
        }
    }

    // Illinois: regula falsi that halves the stale end's weight.
    let mut side = 0i8;
    for _ in 0..64 {
        let width = hi - lo;
        if width <= U256::from(2u8) || width <= lo >> 16 {
            break;
        }
        let fraction = if g_hi.is_finite() { g_lo / (g_lo - g_hi) } else { 0.5 };
        let step = from_f64(to_f64(width) * fraction.clamp(0.0, 1.0));
        let x = (lo + step).clamp(lo + one, hi - one);
        let g = slope(x);
        if g > 0.0 {
            (lo, g_lo) = (x, g);
            if side == 1 {
                g_hi /= 2.0;
            }
            side = 1;
        } else {
            (hi, g_hi) = (x, g);
            if side == -1 {
                g_lo /= 2.0;
            }
            side = -1;
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
        let m = Mobius::identity().then(1000.0, 1100.0, 1.0).then(1000.0, 1000.0, 1.0);
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
        // profit = -(x - peak)^2 / 1000; its slope's sign is that of (peak - x).
        let f = |x: U256| -> Option<(I256, f64)> {
            let (xi, p) = (I256::from_raw(x), I256::from_raw(peak));
            let value = -((xi - p) * (xi - p)) / I256::from_raw(U256::from(1000u64));
            let slope = (to_f64(peak) - to_f64(x)) / to_f64(peak);
            Some((value, slope))
        };
        for start in [1u64, 1000, 123_456_789, 10_000_000_000] {
            let (x, _) = maximise(U256::from(start), U256::from(1u64 << 40), f).unwrap();
            let distance = if x > peak { x - peak } else { peak - x };
            assert!(distance < U256::from(123_456_789u64 >> 14), "start {start}: {x}");
        }
    }
}
