"""UnsafeMath.sol: division without the compiler's zero check."""

from __future__ import annotations


def div_rounding_up(x: int, y: int) -> int:
    """UnsafeMath.divRoundingUp: ``div(x, y) + (mod(x, y) > 0)``; EVM ``div``/``mod`` by 0 yield 0."""
    if y == 0:
        return 0
    q, r = divmod(x, y)
    return q + 1 if r else q
