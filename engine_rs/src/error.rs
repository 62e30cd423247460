//! Reverts of the reproduced Solidity code, one variant per `require`.
//!
//! `reason()` is the contract's revert string where it has one. Where the
//! Solidity reverts without a string (FullMath, SafeCast, LowGasSafeMath,
//! SqrtPriceMath's bare `require`s), the reason names the library, so a caller
//! can still tell which check failed.

/// A `require` of the Uniswap contracts that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Revert {
    /// UniswapV3Pool.swap: `amountSpecified == 0`.
    #[error("AS: amount specified is zero")]
    AmountSpecifiedZero,
    /// UniswapV3Pool.swap: the price limit is on the wrong side of the price or out of range.
    #[error("SPL: sqrt price limit is beyond the current price or out of range")]
    SqrtPriceLimit,
    /// TickMath.getSqrtRatioAtTick: |tick| > MAX_TICK.
    #[error("T: tick out of range")]
    TickOutOfRange,
    /// TickMath.getTickAtSqrtRatio: sqrt ratio outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
    #[error("R: sqrt ratio out of range")]
    SqrtRatioOutOfRange,
    /// LiquidityMath.addDelta: liquidity would go below zero.
    #[error("LS: liquidity underflow when crossing a tick")]
    LiquiditySub,
    /// LiquidityMath.addDelta: liquidity would exceed uint128.
    #[error("LA: liquidity overflow when crossing a tick")]
    LiquidityAdd,
    /// FullMath.mulDiv / mulDivRoundingUp: zero denominator or a result above uint256.
    #[error("FullMath: zero denominator or result overflows uint256")]
    MulDivOverflow,
    /// SafeCast.toUint160 / toInt256: value does not fit the target type.
    #[error("SafeCast: value does not fit the target type")]
    SafeCastOverflow,
    /// SqrtPriceMath: zero price or liquidity, or the next price leaves the uint160 range.
    #[error("SqrtPriceMath: zero price or liquidity, or next price out of range")]
    SqrtPriceMath,
    /// LowGasSafeMath: int256/uint256 addition or subtraction overflowed.
    #[error("LowGasSafeMath: arithmetic overflow")]
    ArithmeticOverflow,
    /// UniswapV2Library.getAmountOut: `amountIn == 0`.
    #[error("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")]
    V2InsufficientInputAmount,
    /// UniswapV2Library.getAmountIn: `amountOut == 0`.
    #[error("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")]
    V2InsufficientOutputAmount,
    /// UniswapV2Library: a reserve is zero.
    #[error("UniswapV2Library: INSUFFICIENT_LIQUIDITY")]
    V2InsufficientLibraryLiquidity,
    /// UniswapV2Pair.swap: the output is not below the reserve.
    #[error("UniswapV2: INSUFFICIENT_LIQUIDITY")]
    V2InsufficientLiquidity,
    /// UniswapV2Pair._update: a reserve above uint112.
    #[error("UniswapV2: OVERFLOW")]
    V2Overflow,
    /// SafeMath.mul (ds-math) overflow in the V2 formulas.
    #[error("ds-math-mul-overflow")]
    V2MulOverflow,
    /// SafeMath.add (ds-math) overflow in the V2 formulas.
    #[error("ds-math-add-overflow")]
    V2AddOverflow,
}

impl Revert {
    /// The revert string as the contract would return it (or the library's name).
    pub fn reason(&self) -> &'static str {
        match self {
            Revert::AmountSpecifiedZero => "AS",
            Revert::SqrtPriceLimit => "SPL",
            Revert::TickOutOfRange => "T",
            Revert::SqrtRatioOutOfRange => "R",
            Revert::LiquiditySub => "LS",
            Revert::LiquidityAdd => "LA",
            Revert::MulDivOverflow => "FullMath",
            Revert::SafeCastOverflow => "SafeCast",
            Revert::SqrtPriceMath => "SqrtPriceMath",
            Revert::ArithmeticOverflow => "LowGasSafeMath",
            Revert::V2InsufficientInputAmount => "UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT",
            Revert::V2InsufficientOutputAmount => "UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT",
            Revert::V2InsufficientLibraryLiquidity => "UniswapV2Library: INSUFFICIENT_LIQUIDITY",
            Revert::V2InsufficientLiquidity => "UniswapV2: INSUFFICIENT_LIQUIDITY",
            Revert::V2Overflow => "UniswapV2: OVERFLOW",
            Revert::V2MulOverflow => "ds-math-mul-overflow",
            Revert::V2AddOverflow => "ds-math-add-overflow",
        }
    }
}

/// An argument that no contract call could carry (not a revert: the caller's mistake).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub problem: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self { field, problem: problem.into() }
    }
}

/// Everything the engine's math can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MathError {
    #[error(transparent)]
    Revert(#[from] Revert),
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
}

pub type MathResult<T> = Result<T, MathError>;
