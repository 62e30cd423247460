"""EVM word semantics the Solidity libraries rely on: type bounds, wrapping, reverts.

Solidity 0.7 arithmetic on ``uint256`` / ``int256`` wraps silently; only the
explicit ``require`` checks of the libraries revert. The reference keeps Python's
unbounded ints and applies these helpers exactly where the Solidity code wraps,
casts or requires, so the two can be read side by side.
"""

from __future__ import annotations

from typing import NoReturn

UINT256_MAX = (1 << 256) - 1
UINT160_MAX = (1 << 160) - 1
UINT128_MAX = (1 << 128) - 1
INT256_MIN = -(1 << 255)
INT256_MAX = (1 << 255) - 1
INT128_MIN = -(1 << 127)
INT128_MAX = (1 << 127) - 1


class SwapRevert(ValueError):
    """A revert of the reproduced contract code; ``reason`` is its revert string.

    Where Solidity reverts without a string, ``reason`` names the library whose
    check failed: ``"FullMath"``, ``"SqrtPriceMath"``, ``"SafeCast"``,
    ``"LowGasSafeMath"``, ``"TickBitmap"`` (and ``"division by zero"`` for the
    compiler's own check in UniswapV2Library.getAmountIn).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def revert(reason: str) -> NoReturn:
    """``revert(reason)``."""
    raise SwapRevert(reason)


def wrap_uint256(x: int) -> int:
    """The ``uint256`` an unchecked Solidity expression yields."""
    return x & UINT256_MAX


def wrap_int256(x: int) -> int:
    """The ``int256`` an unchecked Solidity expression yields (two's complement)."""
    x &= UINT256_MAX
    return x - (1 << 256) if x >> 255 else x


def as_uint256(x: int) -> int:
    """``uint256(x)`` of an ``int256``: reinterpret the two's complement bits."""
    return x & UINT256_MAX


def as_uint160(x: int) -> int:
    """``uint160(x)``: the unchecked narrowing cast (keeps the low 160 bits)."""
    return x & UINT160_MAX
