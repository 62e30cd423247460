"""Pure-Python reference of the Uniswap V2/V3 math, written from the Solidity sources.

One module per Solidity library (``full_math`` = FullMath.sol, ...), each
function named after its Solidity original in its docstring. This package
re-exports the same names and signatures as ``engine_rs``: it is the spec the
Rust must match bit for bit (tests/test_reference_properties.py) and the
pure-Python baseline of the benchmarks.
"""

from tests.reference.evm import SwapRevert
from tests.reference.full_math import mul_div, mul_div_rounding_up
from tests.reference.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from tests.reference.swap_math import compute_swap_step
from tests.reference.tick_bitmap import next_initialized_tick_within_one_word
from tests.reference.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from tests.reference.uniswap_v2 import (
    v2_get_amount_in,
    v2_get_amount_in_batch,
    v2_get_amount_out,
    v2_get_amount_out_batch,
    v2_pair_swap,
)
from tests.reference.v3_pool import SwapResult, V3Pool

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
    "v2_pair_swap",
]
