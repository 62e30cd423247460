//! TickMath.sol: conversions between ticks and Q64.96 sqrt prices.
//!
//! The Solidity code works on uint256; every intermediate of
//! `getSqrtRatioAtTick` is below 2^128 after the first factor, so the product
//! chain runs on u128 with a 128×128→high-128 multiply, which is what keeps a
//! ten-crossing swap within its 2 µs budget.

use crate::error::Revert;
use crate::U256;

/// `TickMath.MIN_TICK`
pub const MIN_TICK: i32 = -887_272;
/// `TickMath.MAX_TICK`
pub const MAX_TICK: i32 = 887_272;
/// `TickMath.MIN_SQRT_RATIO` = getSqrtRatioAtTick(MIN_TICK)
pub const MIN_SQRT_RATIO: U256 = U256::from_limbs([4_295_128_739, 0, 0, 0]);
/// `TickMath.MAX_SQRT_RATIO` = getSqrtRatioAtTick(MAX_TICK)
pub const MAX_SQRT_RATIO: U256 = U256::from_limbs([0x5d951d5263988d26, 0xefd1fc6a50648849, 0xfffd8963, 0]);

/// The factors 1/sqrt(1.0001)^(2^i) in Q128, for bits 1..=19 of |tick|.
const FACTORS: [u128; 19] = [
    0xfff97272373d413259a46990580e213a,
    0xfff2e50f5f656932ef12357cf3c7fdcc,
    0xffe5caca7e10e4e61c3624eaa0941cd0,
    0xffcb9843d60f6159c9db58835c926644,
    0xff973b41fa98c081472e6896dfb254c0,
    0xff2ea16466c96a3843ec78b326b52861,
    0xfe5dee046a99a2a811c461f1969c3053,
    0xfcbe86c7900a88aedcffc83b479aa3a4,
    0xf987a7253ac413176f2b074cf7815e54,
    0xf3392b0822b70005940c7a398e4b70f3,
    0xe7159475a2c29b7443b29c7fa6e889d9,
    0xd097f3bdfd2022b8845ad8f792aa5825,
    0xa9f746462d870fdf8a65dc1f90e061e5,
    0x70d869a156d2a1b890bb3df62baf32f7,
    0x31be135f97d08fd981231505542fcfa6,
    0x9aa508b5b7a84e1c677de54f3e99bc9,
    0x5d6af8dedb81196699c329225ee604,
    0x2216e584f5fa1ea926041bedfe98,
    0x48a170391f7dc42444e8fa2,
];

/// The factor for bit 0 of |tick|.
const FACTOR_BIT0: u128 = 0xfffcb933bd6fad37aa2d162d1a594001;

/// High 128 bits of a 128×128-bit product.
#[inline(always)]
fn mul_hi(a: u128, b: u128) -> u128 {
    let (a_hi, a_lo) = (a >> 64, a & u128::from(u64::MAX));
    let (b_hi, b_lo) = (b >> 64, b & u128::from(u64::MAX));
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let middle = (lo_lo >> 64) + (hi_lo & u128::from(u64::MAX)) + (lo_hi & u128::from(u64::MAX));
    hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (middle >> 64)
}

/// `TickMath.getSqrtRatioAtTick`: sqrt(1.0001^tick) × 2^96, rounded up.
pub fn get_sqrt_ratio_at_tick(tick: i32) -> Result<U256, Revert> {
    let abs_tick = tick.unsigned_abs();
    if abs_tick > MAX_TICK.unsigned_abs() {
        return Err(Revert::TickOutOfRange);
    }
    // ratio = 2^128 when bit 0 is clear; represented by `None` because it is
    // the one value that does not fit u128 (and multiplying by it is the identity).
    let mut ratio: Option<u128> = if abs_tick & 1 != 0 { Some(FACTOR_BIT0) } else { None };
    for (bit, &factor) in FACTORS.iter().enumerate() {
        if abs_tick & (2 << bit) != 0 {
            ratio = Some(match ratio {
                Some(r) => mul_hi(r, factor),
                None => factor,
            });
        }
    }
    let ratio = match ratio {
        Some(r) => U256::from(r),
        None => U256::from(1u8) << 128,
    };
    let ratio = if tick > 0 { U256::MAX / ratio } else { ratio };
    // Divide by 2^32 rounding up, so that getTickAtSqrtRatio(result) == tick.
    let round_up = ratio.as_limbs()[0] & 0xffff_ffff != 0;
    let sqrt_price = (ratio >> 32) + U256::from(u8::from(round_up));
    Ok(sqrt_price)
}

/// Two's complement arithmetic shift right of a 256-bit value (Solidity `int256 >>`).
#[inline]
fn sar(value: U256, shift: usize) -> U256 {
    if value.bit(255) {
        !((!value) >> shift)
    } else {
        value >> shift
    }
}

/// `TickMath.getTickAtSqrtRatio`: the greatest tick whose sqrt ratio is at most `sqrt_price_x96`.
pub fn get_tick_at_sqrt_ratio(sqrt_price_x96: U256) -> Result<i32, Revert> {
    if sqrt_price_x96 < MIN_SQRT_RATIO || sqrt_price_x96 >= MAX_SQRT_RATIO {
        return Err(Revert::SqrtRatioOutOfRange);
    }
    let ratio: U256 = sqrt_price_x96 << 32;
    let msb = 255 - ratio.leading_zeros();
    // Normalise into [2^127, 2^128): fits u128.
    let normalised = if msb >= 128 { ratio >> (msb - 127) } else { ratio << (127 - msb) };
    let mut r: u128 = normalised.to::<u128>();

    // log_2 in Q64.64 as an int256 held in two's complement.
    let mut log_2 = if msb >= 128 {
        U256::from(msb - 128) << 64
    } else {
        let magnitude: U256 = U256::from(128 - msb) << 64;
        (!magnitude).wrapping_add(U256::from(1u8))
    };
    for shift in (50..=63).rev() {
        // r = r * r >> 127; f = r >> 128; log_2 |= f << shift; r >>= f
        let hi = mul_hi(r, r);
        let lo = r.wrapping_mul(r);
        let f = hi >> 127;
        r = if f == 1 { hi } else { (hi << 1) | (lo >> 127) };
        if f == 1 {
            log_2 |= U256::from(1u8) << shift;
        }
    }

    // log_sqrt10001 = log_2 * 255738958999603826347141 (wrapping int256 multiply)
    let log_sqrt10001 = log_2.wrapping_mul(U256::from(255_738_958_999_603_826_347_141u128));
    let tick_low_offset = U256::from(3_402_992_956_809_132_418_596_140_100_660_247_210u128);
    let tick_high_offset = U256::from(291_339_464_771_989_622_907_027_621_153_398_088_495u128);
    let tick_low = as_i24(sar(log_sqrt10001.wrapping_sub(tick_low_offset), 128));
    let tick_high = as_i24(sar(log_sqrt10001.wrapping_add(tick_high_offset), 128));

    if tick_low == tick_high {
        return Ok(tick_low);
    }
    if get_sqrt_ratio_at_tick(tick_high)? <= sqrt_price_x96 {
        Ok(tick_high)
    } else {
        Ok(tick_low)
    }
}

/// `int24(x)` of an int256: keep the low 24 bits, sign-extended.
#[inline]
fn as_i24(value: U256) -> i32 {
    let low = (value.as_limbs()[0] & 0x00ff_ffff) as i32;
    (low << 8) >> 8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> U256 {
        U256::from_str_radix(s, 10).unwrap()
    }

    #[test]
    fn sqrt_ratio_at_known_ticks() {
        // Values from Uniswap v3-core's TickMath tests.
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK), Ok(u("4295128739")));
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK + 1), Ok(u("4295343490")));
        assert_eq!(
            get_sqrt_ratio_at_tick(MAX_TICK - 1),
            Ok(u("1461373636630004318706518188784493106690254656249"))
        );
        assert_eq!(
            get_sqrt_ratio_at_tick(MAX_TICK),
            Ok(u("1461446703485210103287273052203988822378723970342"))
        );
        assert_eq!(get_sqrt_ratio_at_tick(0), Ok(U256::from(1u8) << 96));
        assert_eq!(get_sqrt_ratio_at_tick(MAX_TICK), Ok(MAX_SQRT_RATIO));
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK), Ok(MIN_SQRT_RATIO));
        assert_eq!(get_sqrt_ratio_at_tick(MIN_TICK - 1), Err(Revert::TickOutOfRange));
        assert_eq!(get_sqrt_ratio_at_tick(MAX_TICK + 1), Err(Revert::TickOutOfRange));
    }

    #[test]
    fn sqrt_ratio_at_tick_of_powers_of_two() {
        // The contract's own outputs (a direct port of the Solidity loop on Python ints).
        assert_eq!(get_sqrt_ratio_at_tick(50), Ok(u("79426470787362580746886972461")));
        assert_eq!(get_sqrt_ratio_at_tick(-50), Ok(u("79030349367926598376800521322")));
        assert_eq!(get_sqrt_ratio_at_tick(100), Ok(u("79625275426524748796330556128")));
        assert_eq!(get_sqrt_ratio_at_tick(-100), Ok(u("78833030112140176575862854579")));
        assert_eq!(
            get_sqrt_ratio_at_tick(887220),
            Ok(u("1457652066949847389969617340386294118487833376468"))
        );
    }

    #[test]
    fn tick_at_known_ratios() {
        assert_eq!(get_tick_at_sqrt_ratio(MIN_SQRT_RATIO), Ok(MIN_TICK));
        assert_eq!(get_tick_at_sqrt_ratio(u("4295343490")), Ok(MIN_TICK + 1));
        assert_eq!(
            get_tick_at_sqrt_ratio(u("1461373636630004318706518188784493106690254656249")),
            Ok(MAX_TICK - 1)
        );
        assert_eq!(get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - U256::from(1u8)), Ok(MAX_TICK - 1));
        assert_eq!(get_tick_at_sqrt_ratio(U256::from(1u8) << 96), Ok(0));
        assert_eq!(
            get_tick_at_sqrt_ratio(MIN_SQRT_RATIO - U256::from(1u8)),
            Err(Revert::SqrtRatioOutOfRange)
        );
        assert_eq!(get_tick_at_sqrt_ratio(MAX_SQRT_RATIO), Err(Revert::SqrtRatioOutOfRange));
    }

    #[test]
    fn round_trip_over_a_sweep_of_ticks() {
        let mut tick = MIN_TICK;
        while tick <= MAX_TICK {
            let ratio = get_sqrt_ratio_at_tick(tick).unwrap();
            if tick < MAX_TICK {
                assert_eq!(get_tick_at_sqrt_ratio(ratio), Ok(tick), "tick {tick}");
            }
            if tick > MIN_TICK && tick < MAX_TICK {
                assert_eq!(
                    get_tick_at_sqrt_ratio(ratio - U256::from(1u8)).unwrap(),
                    tick - 1,
                    "tick {tick} - 1 wei"
                );
            }
            tick += 997;
        }
    }
}
