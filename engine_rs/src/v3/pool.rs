//! UniswapV3Pool.swap: the swap loop across initialized ticks, as a pure
//! function of a pool snapshot.

use super::liquidity_math::add_delta;
use super::sqrt_price_math::MAX_U160;
use super::swap_math::{compute_swap_step, FEE_DENOMINATOR};
use super::tick_bitmap::TickBitmap;
use super::tick_math::{
    get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio, MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK,
};
use crate::error::{InvalidInput, MathResult, Revert};
use crate::{I256, U256};

/// An initialized tick: what `UniswapV3Pool.ticks(tick)` holds that swaps and
/// position changes need, plus its sqrt price, computed once because the
/// swap loop would otherwise recompute it at every crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickInfo {
    pub tick: i32,
    pub liquidity_gross: u128,
    pub liquidity_net: i128,
    sqrt_price_x96: U256,
}

/// The state of a V3 pool that a swap depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Pool {
    sqrt_price_x96: U256,
    tick: i32,
    liquidity: u128,
    fee: u32,
    tick_spacing: i32,
    /// Initialized ticks, sorted by tick.
    ticks: Vec<TickInfo>,
    bitmap: TickBitmap,
}

/// What the pool's `Swap` event carries, plus the number of initialized ticks crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapResult {
    /// Signed, positive = paid into the pool.
    pub amount0: I256,
    pub amount1: I256,
    pub sqrt_price_x96: U256,
    pub tick: i32,
    pub liquidity: u128,
    pub ticks_crossed: u32,
}

fn check_slot0(sqrt_price_x96: U256, tick: i32) -> MathResult<()> {
    if sqrt_price_x96 < MIN_SQRT_RATIO || sqrt_price_x96 > MAX_SQRT_RATIO {
        return Err(InvalidInput::new(
            "sqrt_price_x96",
            format!("{sqrt_price_x96} is outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO]"),
        )
        .into());
    }
    if !(MIN_TICK..=MAX_TICK).contains(&tick) {
        return Err(InvalidInput::new("tick", format!("{tick} is outside [{MIN_TICK}, {MAX_TICK}]")).into());
    }
    Ok(())
}

impl V3Pool {
    /// A pool snapshot for simulation; `ticks` lists every initialized tick
    /// with its `liquidityNet` (ticks with a net of zero included). The gross
    /// liquidity is not needed to swap and is taken as max(|net|, 1).
    pub fn new(
        sqrt_price_x96: U256,
        tick: i32,
        liquidity: u128,
        fee: u32,
        tick_spacing: i32,
        ticks: Vec<(i32, i128)>,
    ) -> MathResult<Self> {
        // A listed tick is initialized, so its gross is positive even when its net is 0.
        let ticks = ticks.into_iter().map(|(t, net)| (t, net.unsigned_abs().max(1), net)).collect();
        Self::with_ticks(sqrt_price_x96, tick, liquidity, fee, tick_spacing, ticks)
    }

    /// A pool with full tick state `(tick, liquidity_gross, liquidity_net)`,
    /// as read from chain, so that later mints and burns apply exactly.
    pub fn with_ticks(
        sqrt_price_x96: U256,
        tick: i32,
        liquidity: u128,
        fee: u32,
        tick_spacing: i32,
        mut ticks: Vec<(i32, u128, i128)>,
    ) -> MathResult<Self> {
        check_slot0(sqrt_price_x96, tick)?;
        if fee >= FEE_DENOMINATOR {
            return Err(InvalidInput::new(
                "fee",
                format!("{fee} must be below 1000000 (hundredths of a bip)"),
            )
            .into());
        }
        if !(1..16384).contains(&tick_spacing) {
            return Err(
                InvalidInput::new("tick_spacing", format!("{tick_spacing} must be in [1, 16383]")).into()
            );
        }
        ticks.sort_unstable_by_key(|&(t, _, _)| t);
        for pair in ticks.windows(2) {
            if let [(a, _, _), (b, _, _)] = pair {
                if a == b {
                    return Err(InvalidInput::new("ticks", format!("tick {a} is listed twice")).into());
                }
            }
        }
        let mut infos = Vec::with_capacity(ticks.len());
        for (t, liquidity_gross, liquidity_net) in ticks {
            if t % tick_spacing != 0 || !(MIN_TICK..=MAX_TICK).contains(&t) {
                return Err(InvalidInput::new(
                    "ticks",
                    format!("tick {t} is not a multiple of tick_spacing {tick_spacing} within [{MIN_TICK}, {MAX_TICK}]"),
                )
                .into());
            }
            if liquidity_gross == 0 || liquidity_gross < liquidity_net.unsigned_abs() {
                return Err(InvalidInput::new(
                    "ticks",
                    format!("tick {t}: liquidity_gross {liquidity_gross} must be positive and at least |liquidity_net| {liquidity_net}"),
                )
                .into());
            }
            infos.push(TickInfo {
                tick: t,
                liquidity_gross,
                liquidity_net,
                sqrt_price_x96: get_sqrt_ratio_at_tick(t)?,
            });
        }
        let bitmap = TickBitmap::from_ticks(infos.iter().map(|info| info.tick), tick_spacing);
        Ok(Self { sqrt_price_x96, tick, liquidity, fee, tick_spacing, ticks: infos, bitmap })
    }

    pub fn sqrt_price_x96(&self) -> U256 {
        self.sqrt_price_x96
    }
    pub fn tick(&self) -> i32 {
        self.tick
    }
    pub fn liquidity(&self) -> u128 {
        self.liquidity
    }
    pub fn fee(&self) -> u32 {
        self.fee
    }
    pub fn tick_spacing(&self) -> i32 {
        self.tick_spacing
    }
    pub fn ticks(&self) -> &[TickInfo] {
        &self.ticks
    }

    /// `liquidityNet` and sqrt price of an initialized tick.
    #[inline]
    fn initialized_tick(&self, tick: i32) -> Option<(i128, U256)> {
        let index = self.ticks.binary_search_by_key(&tick, |info| info.tick).ok()?;
        let info = self.ticks.get(index)?;
        Some((info.liquidity_net, info.sqrt_price_x96))
    }

    /// The farthest price a swap in this direction can reach with liquidity:
    /// the sqrt price of the last initialized tick that way (within the
    /// allowed limits), or `None` when no liquidity lies that way.
    pub fn last_liquid_price(&self, zero_for_one: bool) -> Option<U256> {
        let one = U256::from(1u8);
        if zero_for_one {
            let limit = self.ticks.first()?.sqrt_price_x96.max(MIN_SQRT_RATIO + one);
            (limit < self.sqrt_price_x96).then_some(limit)
        } else {
            let limit = self.ticks.last()?.sqrt_price_x96.min(MAX_SQRT_RATIO - one);
            (limit > self.sqrt_price_x96).then_some(limit)
        }
    }

    /// Apply a `Swap` event: the pool's new price, tick and active liquidity.
    pub fn set_slot0(&mut self, sqrt_price_x96: U256, tick: i32, liquidity: u128) -> MathResult<()> {
        check_slot0(sqrt_price_x96, tick)?;
        self.sqrt_price_x96 = sqrt_price_x96;
        self.tick = tick;
        self.liquidity = liquidity;
        Ok(())
    }

    /// Apply a `Mint` (`liquidity_delta > 0`) or `Burn` (`< 0`) of a position
    /// over [tick_lower, tick_upper), as `UniswapV3Pool._modifyPosition` does
    /// to the ticks, the bitmap and the active liquidity. Nothing changes
    /// when it fails.
    pub fn modify_position(
        &mut self,
        tick_lower: i32,
        tick_upper: i32,
        liquidity_delta: i128,
    ) -> MathResult<()> {
        if tick_lower >= tick_upper {
            return Err(InvalidInput::new(
                "tick_lower",
                format!("TLU: {tick_lower} must be below tick_upper {tick_upper}"),
            )
            .into());
        }
        if tick_lower < MIN_TICK {
            return Err(
                InvalidInput::new("tick_lower", format!("TLM: {tick_lower} is below {MIN_TICK}")).into()
            );
        }
        if tick_upper > MAX_TICK {
            return Err(
                InvalidInput::new("tick_upper", format!("TUM: {tick_upper} is above {MAX_TICK}")).into()
            );
        }
        for (field, t) in [("tick_lower", tick_lower), ("tick_upper", tick_upper)] {
            if t % self.tick_spacing != 0 {
                return Err(InvalidInput::new(
                    field,
                    format!("{t} is not a multiple of tick_spacing {}", self.tick_spacing),
                )
                .into());
            }
        }
        // Compute every new value first, so that a failure leaves the pool as it was.
        let lower = self.updated_tick(tick_lower, liquidity_delta, false)?;
        let upper = self.updated_tick(tick_upper, liquidity_delta, true)?;
        let liquidity = if (tick_lower..tick_upper).contains(&self.tick) {
            add_delta(self.liquidity, liquidity_delta)?
        } else {
            self.liquidity
        };
        self.store_tick(tick_lower, lower)?;
        self.store_tick(tick_upper, upper)?;
        self.liquidity = liquidity;
        Ok(())
    }

    /// `Tick.update`: the tick's (gross, net) after a position change.
    fn updated_tick(&self, tick: i32, liquidity_delta: i128, upper: bool) -> MathResult<(u128, i128)> {
        let (gross, net) = match self.ticks.binary_search_by_key(&tick, |info| info.tick) {
            Ok(index) => {
                self.ticks.get(index).map_or((0, 0), |info| (info.liquidity_gross, info.liquidity_net))
            }
            Err(_) => (0, 0),
        };
        let gross = add_delta(gross, liquidity_delta)?;
        let net = if upper { net.checked_sub(liquidity_delta) } else { net.checked_add(liquidity_delta) }
            .ok_or(Revert::ArithmeticOverflow)?;
        Ok((gross, net))
    }

    /// Write a tick's new (gross, net); a gross of zero clears it (and flips the bitmap).
    fn store_tick(&mut self, tick: i32, (gross, net): (u128, i128)) -> MathResult<()> {
        match self.ticks.binary_search_by_key(&tick, |info| info.tick) {
            Ok(index) if gross == 0 => {
                self.ticks.remove(index);
                self.bitmap.flip(tick, self.tick_spacing);
            }
            Ok(index) => {
                if let Some(info) = self.ticks.get_mut(index) {
                    info.liquidity_gross = gross;
                    info.liquidity_net = net;
                }
            }
            Err(_) if gross == 0 => {}
            Err(index) => {
                let sqrt_price_x96 = get_sqrt_ratio_at_tick(tick)?;
                self.ticks.insert(
                    index,
                    TickInfo { tick, liquidity_gross: gross, liquidity_net: net, sqrt_price_x96 },
                );
                self.bitmap.flip(tick, self.tick_spacing);
            }
        }
        Ok(())
    }

    /// `UniswapV3Pool.swap` without side effects: `amount_specified > 0` is
    /// exact input, `< 0` exact output; `None` as the limit is the extreme
    /// price a caller may pass (MIN_SQRT_RATIO + 1 or MAX_SQRT_RATIO - 1).
    pub fn swap(
        &self,
        zero_for_one: bool,
        amount_specified: I256,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<SwapResult, Revert> {
        if amount_specified.is_zero() {
            return Err(Revert::AmountSpecifiedZero);
        }
        let one = U256::from(1u8);
        let limit = sqrt_price_limit_x96.unwrap_or(if zero_for_one {
            MIN_SQRT_RATIO + one
        } else {
            MAX_SQRT_RATIO - one
        });
        let limit_ok = if zero_for_one {
            limit < self.sqrt_price_x96 && limit > MIN_SQRT_RATIO
        } else {
            limit > self.sqrt_price_x96 && limit < MAX_SQRT_RATIO
        };
        if !limit_ok {
            return Err(Revert::SqrtPriceLimit);
        }
        let exact_input = !amount_specified.is_negative();

        let mut remaining = amount_specified;
        let mut calculated = I256::ZERO;
        let mut sqrt_price = self.sqrt_price_x96;
        let mut tick = self.tick;
        let mut liquidity = self.liquidity;
        let mut ticks_crossed = 0u32;

        while !remaining.is_zero() && sqrt_price != limit {
            let sqrt_price_start = sqrt_price;
            let (mut tick_next, initialized) =
                self.bitmap.next_initialized_tick_within_one_word(tick, self.tick_spacing, zero_for_one);
            tick_next = tick_next.clamp(MIN_TICK, MAX_TICK);
            let crossing = if initialized { self.initialized_tick(tick_next) } else { None };
            let sqrt_price_next = match crossing {
                Some((_, sqrt_price)) => sqrt_price,
                None => get_sqrt_ratio_at_tick(tick_next)?,
            };
            let target =
                if (zero_for_one && sqrt_price_next < limit) || (!zero_for_one && sqrt_price_next > limit) {
                    limit
                } else {
                    sqrt_price_next
                };
            let step = compute_swap_step(sqrt_price, target, liquidity, remaining, self.fee)?;
            sqrt_price = step.sqrt_ratio_next_x96;

            let paid =
                to_int256(step.amount_in.checked_add(step.fee_amount).ok_or(Revert::ArithmeticOverflow)?)?;
            let received = to_int256(step.amount_out)?;
            if exact_input {
                remaining = remaining.checked_sub(paid).ok_or(Revert::ArithmeticOverflow)?;
                calculated = calculated.checked_sub(received).ok_or(Revert::ArithmeticOverflow)?;
            } else {
                remaining = remaining.checked_add(received).ok_or(Revert::ArithmeticOverflow)?;
                calculated = calculated.checked_add(paid).ok_or(Revert::ArithmeticOverflow)?;
            }

            if sqrt_price == sqrt_price_next {
                if let Some((net, _)) = crossing {
                    // Moving left crosses the tick from above: its net applies negated.
                    let delta = if zero_for_one { net.wrapping_neg() } else { net };
                    liquidity = add_delta(liquidity, delta)?;
                    ticks_crossed += 1;
                }
                tick = if zero_for_one { tick_next - 1 } else { tick_next };
            } else if sqrt_price != sqrt_price_start {
                tick = get_tick_at_sqrt_ratio(sqrt_price)?;
            }
        }

        let consumed = amount_specified.checked_sub(remaining).ok_or(Revert::ArithmeticOverflow)?;
        let (amount0, amount1) =
            if zero_for_one == exact_input { (consumed, calculated) } else { (calculated, consumed) };
        debug_assert!(sqrt_price <= MAX_U160);
        Ok(SwapResult { amount0, amount1, sqrt_price_x96: sqrt_price, tick, liquidity, ticks_crossed })
    }
}

/// `SafeCast.toInt256`
#[inline]
fn to_int256(value: U256) -> Result<I256, Revert> {
    if value.bit(255) {
        Err(Revert::SafeCastOverflow)
    } else {
        Ok(I256::from_raw(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MathError;

    fn i(v: i128) -> I256 {
        I256::try_from(v).unwrap()
    }

    fn full_range_pool(fee: u32, spacing: i32, liquidity: u128) -> V3Pool {
        let lower = (MIN_TICK / spacing) * spacing;
        let upper = (MAX_TICK / spacing) * spacing;
        V3Pool::new(
            U256::from(1u8) << 96,
            0,
            liquidity,
            fee,
            spacing,
            vec![(lower, liquidity as i128), (upper, -(liquidity as i128))],
        )
        .unwrap()
    }

    #[test]
    fn rejects_zero_amount_and_bad_limits() {
        let pool = full_range_pool(3000, 60, 10u128.pow(18));
        assert_eq!(pool.swap(true, I256::ZERO, None), Err(Revert::AmountSpecifiedZero));
        assert_eq!(pool.swap(true, i(1), Some(U256::from(1u8) << 96)), Err(Revert::SqrtPriceLimit));
        assert_eq!(pool.swap(false, i(1), Some(U256::from(1u8) << 96)), Err(Revert::SqrtPriceLimit));
        assert_eq!(pool.swap(true, i(1), Some(MIN_SQRT_RATIO)), Err(Revert::SqrtPriceLimit));
        assert_eq!(pool.swap(false, i(1), Some(MAX_SQRT_RATIO)), Err(Revert::SqrtPriceLimit));
    }

    #[test]
    fn exact_in_and_exact_out_are_consistent() {
        let pool = full_range_pool(3000, 60, 10u128.pow(21));
        let out = pool.swap(true, i(10i128.pow(18)), None).unwrap();
        assert_eq!(out.amount0, i(10i128.pow(18)));
        assert!(out.amount1.is_negative());
        assert!(out.sqrt_price_x96 < pool.sqrt_price_x96());
        assert_eq!(out.liquidity, pool.liquidity());
        // Buying back exactly what came out costs at most what went in.
        let back = pool.swap(true, out.amount1, None).unwrap();
        let wanted = out.amount1.unsigned_abs();
        assert_eq!(back.amount1.unsigned_abs(), wanted);
        assert!(back.amount0.unsigned_abs() <= out.amount0.unsigned_abs());
    }

    #[test]
    fn a_swap_runs_to_the_limit_and_stops() {
        let pool = full_range_pool(500, 10, 10u128.pow(18));
        let limit = get_sqrt_ratio_at_tick(-100).unwrap();
        let out = pool.swap(true, i(10i128.pow(30)), Some(limit)).unwrap();
        assert_eq!(out.sqrt_price_x96, limit);
        assert_eq!(out.tick, -100);
        assert!(out.amount0 < i(10i128.pow(30)));
    }

    #[test]
    fn crossing_ticks_changes_liquidity() {
        let l = 10u128.pow(18) as i128;
        let pool = V3Pool::new(
            U256::from(1u8) << 96,
            0,
            2 * l as u128,
            3000,
            60,
            vec![(-887220, l), (887220, -l), (-120, l), (120, -l)],
        )
        .unwrap();
        let out = pool.swap(true, i(10i128.pow(18)), None).unwrap();
        assert_eq!(out.ticks_crossed, 1);
        assert_eq!(out.liquidity, l as u128);
        assert!(out.tick < -120);
        let out = pool.swap(false, i(10i128.pow(17)), None).unwrap();
        assert_eq!(out.ticks_crossed, 1);
        assert!(out.tick >= 120);
    }

    #[test]
    fn mint_and_burn_update_ticks_bitmap_and_liquidity() {
        let mut pool = full_range_pool(3000, 60, 1000);
        let before = pool.clone();
        pool.modify_position(-120, 60, 500).unwrap();
        assert_eq!(pool.liquidity(), 1500);
        let lower = pool.ticks().iter().find(|t| t.tick == -120).unwrap();
        assert_eq!((lower.liquidity_gross, lower.liquidity_net), (500, 500));
        // Out of range: ticks change, active liquidity does not.
        pool.modify_position(600, 1200, 7).unwrap();
        assert_eq!(pool.liquidity(), 1500);
        // A swap now stops at the new ticks.
        let crossed =
            pool.swap(true, i(10i128.pow(30)), Some(get_sqrt_ratio_at_tick(-150).unwrap())).unwrap();
        assert_eq!(crossed.ticks_crossed, 1);
        assert_eq!(crossed.liquidity, 1000);
        // Burning everything back restores the original pool exactly.
        pool.modify_position(600, 1200, -7).unwrap();
        pool.modify_position(-120, 60, -500).unwrap();
        assert_eq!(pool, before);
    }

    #[test]
    fn bad_burns_leave_the_pool_unchanged() {
        let mut pool = full_range_pool(3000, 60, 1000);
        let before = pool.clone();
        assert_eq!(pool.modify_position(-120, 60, -1), Err(Revert::LiquiditySub.into()));
        assert!(pool.modify_position(-887220, 887220, -1001).is_err());
        assert!(pool.modify_position(-887220, 887220, -1000).is_ok());
        assert_eq!(pool.liquidity(), 0);
        let mut pool = before.clone();
        assert!(matches!(pool.modify_position(60, -60, 1), Err(MathError::InvalidInput(_))));
        assert!(matches!(pool.modify_position(-61, 60, 1), Err(MathError::InvalidInput(_))));
        assert!(matches!(pool.modify_position(-887280, 60, 1), Err(MathError::InvalidInput(_))));
        assert_eq!(pool, before);
    }

    #[test]
    fn an_initialized_tick_with_zero_net_still_splits_steps() {
        let l = 10i128.pow(18);
        let pool = V3Pool::new(
            U256::from(1u8) << 96,
            0,
            l as u128,
            500,
            10,
            vec![(-100_000, l), (100_000, -l), (-20, 0)],
        )
        .unwrap();
        let limit = get_sqrt_ratio_at_tick(-25).unwrap();
        assert_eq!(pool.swap(true, i(10i128.pow(30)), Some(limit)).unwrap().ticks_crossed, 1);
    }

    #[test]
    fn invalid_pools_name_the_field() {
        let err = V3Pool::new(U256::from(1u8) << 96, 0, 1, 3000, 60, vec![(61, 1)]).unwrap_err();
        assert!(matches!(err, MathError::InvalidInput(InvalidInput { field: "ticks", .. })));
        let err = V3Pool::new(U256::ZERO, 0, 1, 3000, 60, vec![]).unwrap_err();
        assert!(matches!(err, MathError::InvalidInput(InvalidInput { field: "sqrt_price_x96", .. })));
        let err = V3Pool::new(U256::from(1u8) << 96, 0, 1, 1_000_000, 60, vec![]).unwrap_err();
        assert!(matches!(err, MathError::InvalidInput(InvalidInput { field: "fee", .. })));
    }
}
