"""FullMath.sol: ``a * b / denominator`` with a 512-bit intermediate.

Python's ints hold the full product, so the 512-bit division of the Solidity
code reduces to one exact floor division. Its ``require``s are kept: the
result must fit in 256 bits (``denominator > prod1``, which also rejects a zero
denominator) and the rounded-up result must not overflow.
"""

from __future__ import annotations

from tests.reference.evm import UINT256_MAX, revert

REASON = "FullMath"


def mul_div(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDiv: ``floor(a * b / denominator)``, reverting when it overflows uint256."""
    product = a * b
    # prod1 == 0: require(denominator > 0); else require(denominator > prod1).
    if denominator <= product >> 256:
        revert(REASON)
    return product // denominator


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """FullMath.mulDivRoundingUp: ``ceil(a * b / denominator)``, reverting when it overflows uint256."""
    product = a * b
    if denominator <= product >> 256:
        revert(REASON)
    result, remainder = divmod(product, denominator)
    if remainder:
        if result >= UINT256_MAX:
            revert(REASON)
        result += 1
    return result
