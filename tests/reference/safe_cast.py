"""SafeCast.sol: checked narrowing casts (string-less reverts)."""

from __future__ import annotations

from tests.reference.evm import INT128_MAX, INT128_MIN, INT256_MAX, UINT160_MAX, revert

REASON = "SafeCast"


def to_uint160(y: int) -> int:
    """SafeCast.toUint160: ``require((z = uint160(y)) == y)``."""
    if y > UINT160_MAX:
        revert(REASON)
    return y


def to_int128(y: int) -> int:
    """SafeCast.toInt128: ``require((z = int128(y)) == y)``."""
    if not INT128_MIN <= y <= INT128_MAX:
        revert(REASON)
    return y


def to_int256(y: int) -> int:
    """SafeCast.toInt256: ``require(y < 2**255)``."""
    if y > INT256_MAX:
        revert(REASON)
    return y
