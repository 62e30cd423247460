"""Uniswap V2: UniswapV2Library.getAmountOut / getAmountIn and UniswapV2Pair.swap's checks.

The library hard-codes the 0.3% fee as 997/1000; here the fee is a parameter
in basis points. A fee in whole tenths of a percent uses the library's own
1000 scale (30 -> 997/1000, PancakeSwap's 20 -> 998/1000); any other fee the
10000 scale its forks use (25 -> 9975/10000), so that SafeMath overflows
(``ds-math-*``) happen exactly where the contract's do.

Three conventions of the engine's API go beyond the library, each where the
library's own answer would be meaningless for a real pair:

- ``fee_bps`` must be below 10000: a plain ``ValueError`` (bad input, not a revert);
- a reserve above uint112 reverts ``UniswapV2: OVERFLOW`` (no pair can hold it:
  ``UniswapV2Pair._update``);
- ``amount_out >= reserve_out`` in getAmountIn reverts with the pair's
  ``UniswapV2: INSUFFICIENT_LIQUIDITY`` (the library would underflow or divide by zero).
"""

from __future__ import annotations

from tests.reference.evm import UINT256_MAX, revert

BPS = 10_000
UINT112_MAX = (1 << 112) - 1


def _add(x: int, y: int) -> int:
    """SafeMath.add."""
    z = x + y
    if z > UINT256_MAX:
        revert("ds-math-add-overflow")
    return z


def _sub(x: int, y: int) -> int:
    """SafeMath.sub."""
    if y > x:
        revert("ds-math-sub-underflow")
    return x - y


def _mul(x: int, y: int) -> int:
    """SafeMath.mul."""
    z = x * y
    if z > UINT256_MAX:
        revert("ds-math-mul-overflow")
    return z


def _check_fee(fee_bps: int) -> tuple[int, int]:
    """(scale, fee factor): (1000, 997) for 30 bps, (10000, 9975) for 25; the fee must be below 100%."""
    if not 0 <= fee_bps < BPS:
        raise ValueError(f"fee_bps: {fee_bps} must be below 10000")
    if fee_bps % 10 == 0:
        return 1000, 1000 - fee_bps // 10
    return BPS, BPS - fee_bps


def _check_reserves(reserve_in: int, reserve_out: int) -> None:
    """UniswapV2Library's ``reserveIn > 0 && reserveOut > 0``; the pair's uint112 reserves."""
    if reserve_in <= 0 or reserve_out <= 0:
        revert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
    if reserve_in > UINT112_MAX or reserve_out > UINT112_MAX:
        revert("UniswapV2: OVERFLOW")


def v2_get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """UniswapV2Library.getAmountOut: output of a pair for ``amount_in``, fee in basis points."""
    scale, fee_factor = _check_fee(fee_bps)
    if amount_in <= 0:
        revert("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")
    _check_reserves(reserve_in, reserve_out)
    amount_in_with_fee = _mul(amount_in, fee_factor)
    numerator = _mul(amount_in_with_fee, reserve_out)
    denominator = _add(_mul(reserve_in, scale), amount_in_with_fee)
    return numerator // denominator


def v2_get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """UniswapV2Library.getAmountIn: smallest input that buys ``amount_out``, fee in basis points."""
    scale, fee_factor = _check_fee(fee_bps)
    if amount_out <= 0:
        revert("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")
    _check_reserves(reserve_in, reserve_out)
    if amount_out >= reserve_out:
        revert("UniswapV2: INSUFFICIENT_LIQUIDITY")
    numerator = _mul(_mul(reserve_in, amount_out), scale)
    denominator = _mul(_sub(reserve_out, amount_out), fee_factor)
    return _add(numerator // denominator, 1)


def v2_get_amount_out_batch(quotes: list[tuple[int, int, int]], fee_bps: int = 30) -> list[int]:
    """``v2_get_amount_out`` for many ``(amount_in, reserve_in, reserve_out)``."""
    return [v2_get_amount_out(a, r_in, r_out, fee_bps) for a, r_in, r_out in quotes]


def v2_get_amount_in_batch(quotes: list[tuple[int, int, int]], fee_bps: int = 30) -> list[int]:
    """``v2_get_amount_in`` for many ``(amount_out, reserve_in, reserve_out)``."""
    return [v2_get_amount_in(a, r_in, r_out, fee_bps) for a, r_in, r_out in quotes]


def v2_pair_swap(
    reserve0: int,
    reserve1: int,
    amount0_in: int,
    amount1_in: int,
    amount0_out: int,
    amount1_out: int,
    fee_bps: int = 30,
) -> tuple[int, int]:
    """UniswapV2Pair.swap's checks -> the new reserves.

    The pair is paid ``amount*_in`` and sends ``amount*_out``; balances are
    ``reserve - out + in``. The pair's ``mul(1000) - in.mul(3)`` becomes
    ``mul(10000) - in.mul(fee_bps)`` (equal verdicts for 30 bps).
    """
    if amount0_out <= 0 and amount1_out <= 0:
        revert("UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT")
    if not (amount0_out < reserve0 and amount1_out < reserve1):
        revert("UniswapV2: INSUFFICIENT_LIQUIDITY")
    balance0 = reserve0 - amount0_out + amount0_in
    balance1 = reserve1 - amount1_out + amount1_in
    amount0_in = balance0 - (reserve0 - amount0_out) if balance0 > reserve0 - amount0_out else 0
    amount1_in = balance1 - (reserve1 - amount1_out) if balance1 > reserve1 - amount1_out else 0
    if amount0_in <= 0 and amount1_in <= 0:
        revert("UniswapV2: INSUFFICIENT_INPUT_AMOUNT")
    balance0_adjusted = _sub(_mul(balance0, BPS), _mul(amount0_in, fee_bps))
    balance1_adjusted = _sub(_mul(balance1, BPS), _mul(amount1_in, fee_bps))
    if _mul(balance0_adjusted, balance1_adjusted) < _mul(_mul(reserve0, reserve1), BPS**2):
        revert("UniswapV2: K")
    if balance0 > UINT112_MAX or balance1 > UINT112_MAX:
        revert("UniswapV2: OVERFLOW")
    return balance0, balance1
