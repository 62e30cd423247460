"""Exact Uniswap V2/V3 math for the arbitrage engine, implemented in Rust.

Every function reproduces the Solidity code it is named after, bit for bit,
on 256-bit integers. Reverts become :class:`SwapRevert` (a ``ValueError``)
whose ``reason`` is the contract's revert string (``"AS"``, ``"SPL"``, ``"T"``,
``"R"``, ``"UniswapV2: INSUFFICIENT_LIQUIDITY"``, ...).
"""

from engine_rs._engine_rs import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    SwapResult,
    SwapRevert,
    V3Pool,
    compute_swap_step,
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
    mul_div,
    mul_div_rounding_up,
    next_initialized_tick_within_one_word,
    v2_get_amount_in,
    v2_get_amount_in_batch,
    v2_get_amount_out,
    v2_get_amount_out_batch,
)

__all__ = [
    "MAX_SQRT_RATIO",
    "MAX_TICK",
    "MIN_SQRT_RATIO",
    "MIN_TICK",
    "SwapResult",
    "SwapRevert",
    "V3Pool",
    "compute_swap_step",
    "get_amount0_delta",
    "get_amount1_delta",
    "get_next_sqrt_price_from_input",
    "get_next_sqrt_price_from_output",
    "get_sqrt_ratio_at_tick",
    "get_tick_at_sqrt_ratio",
    "mul_div",
    "mul_div_rounding_up",
    "next_initialized_tick_within_one_word",
    "v2_get_amount_in",
    "v2_get_amount_in_batch",
    "v2_get_amount_out",
    "v2_get_amount_out_batch",
]
