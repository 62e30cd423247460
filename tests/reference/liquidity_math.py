"""LiquidityMath.sol: add a signed delta to a uint128 liquidity."""

from __future__ import annotations

from tests.reference.evm import UINT128_MAX, revert


def add_delta(x: int, y: int) -> int:
    """LiquidityMath.addDelta(uint128 x, int128 y): reverts ``LS`` below 0, ``LA`` above uint128."""
    if y < 0:
        z = x + y  # x - uint128(-y)
        if z < 0:
            revert("LS")
    else:
        z = x + y
        if z > UINT128_MAX:
            revert("LA")
    return z
