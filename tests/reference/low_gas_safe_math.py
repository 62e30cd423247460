"""LowGasSafeMath.sol: checked uint256 / int256 add and sub (string-less reverts)."""

from __future__ import annotations

from tests.reference.evm import INT256_MAX, INT256_MIN, UINT256_MAX, revert

REASON = "LowGasSafeMath"


def add(x: int, y: int) -> int:
    """LowGasSafeMath.add(uint256, uint256): ``require((z = x + y) >= x)``."""
    z = x + y
    if z > UINT256_MAX:
        revert(REASON)
    return z


def sub(x: int, y: int) -> int:
    """LowGasSafeMath.sub(uint256, uint256): ``require((z = x - y) <= x)``."""
    z = x - y
    if z < 0:
        revert(REASON)
    return z


def add_signed(x: int, y: int) -> int:
    """LowGasSafeMath.add(int256, int256): ``require((z = x + y) >= x == (y >= 0))``."""
    z = x + y
    if not INT256_MIN <= z <= INT256_MAX:
        revert(REASON)
    return z


def sub_signed(x: int, y: int) -> int:
    """LowGasSafeMath.sub(int256, int256): ``require((z = x - y) <= x == (y >= 0))``."""
    z = x - y
    if not INT256_MIN <= z <= INT256_MAX:
        revert(REASON)
    return z
