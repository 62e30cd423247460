"""BitMath.sol: most and least significant set bit of a uint256."""

from __future__ import annotations

from tests.reference.evm import revert

REASON = "BitMath"


def most_significant_bit(x: int) -> int:
    """BitMath.mostSignificantBit: index of the highest set bit; ``require(x > 0)``."""
    if x <= 0:
        revert(REASON)
    return x.bit_length() - 1


def least_significant_bit(x: int) -> int:
    """BitMath.leastSignificantBit: index of the lowest set bit; ``require(x > 0)``."""
    if x <= 0:
        revert(REASON)
    return (x & -x).bit_length() - 1
