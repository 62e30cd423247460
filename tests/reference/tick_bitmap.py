"""TickBitmap.sol: one bit per initialized (compressed) tick, 256 ticks a word."""

from __future__ import annotations

from collections.abc import Iterable

from tests.reference import bit_math
from tests.reference.evm import revert

REASON = "TickBitmap"


def position(compressed: int) -> tuple[int, int]:
    """TickBitmap.position: ``(int16(tick >> 8), uint8(tick % 256))``.

    ``>>`` is an arithmetic shift and the uint8 cast keeps the low 8 bits, so
    negative ticks land in negative words: -1 is bit 255 of word -1.
    """
    return compressed >> 8, compressed & 0xFF


class TickBitmap:
    """The pool's ``mapping(int16 => uint256) tickBitmap``."""

    __slots__ = ("tick_spacing", "words")

    def __init__(self, tick_spacing: int, initialized_ticks: Iterable[int] = ()) -> None:
        self.tick_spacing = tick_spacing
        self.words: dict[int, int] = {}
        for tick in set(initialized_ticks):  # a tick listed twice is still one set bit
            self.flip_tick(tick)

    def flip_tick(self, tick: int) -> None:
        """TickBitmap.flipTick: ``require(tick % tickSpacing == 0)``, then toggle its bit."""
        if tick % self.tick_spacing != 0:
            revert(REASON)
        word_pos, bit_pos = position(tick // self.tick_spacing)
        self.words[word_pos] = self.words.get(word_pos, 0) ^ (1 << bit_pos)

    def next_initialized_tick_within_one_word(self, tick: int, lte: bool) -> tuple[int, bool]:
        """TickBitmap.nextInitializedTickWithinOneWord -> (next, initialized).

        The next initialized tick at or left of ``tick`` (``lte``) or right of
        it, looking no further than the current word; without one, the word's
        last tick in that direction with ``initialized = False``.
        """
        tick_spacing = self.tick_spacing
        # `tick / tickSpacing`, then `compressed--` for negative non-multiples: floor division.
        compressed = tick // tick_spacing
        if lte:
            word_pos, bit_pos = position(compressed)
            # all the 1s at or to the right of the current bit_pos
            masked = self.words.get(word_pos, 0) & ((1 << bit_pos) - 1 + (1 << bit_pos))
            if masked:
                return (
                    compressed - (bit_pos - bit_math.most_significant_bit(masked))
                ) * tick_spacing, True
            return (compressed - bit_pos) * tick_spacing, False
        # start from the word of the next tick, since the current tick state doesn't matter
        word_pos, bit_pos = position(compressed + 1)
        # all the 1s at or to the left of the bit_pos
        masked = self.words.get(word_pos, 0) & ~((1 << bit_pos) - 1)
        if masked:
            return (
                compressed + 1 + (bit_math.least_significant_bit(masked) - bit_pos)
            ) * tick_spacing, True
        return (compressed + 1 + (255 - bit_pos)) * tick_spacing, False


def next_initialized_tick_within_one_word(
    initialized_ticks: Iterable[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """TickBitmap.nextInitializedTickWithinOneWord over a bitmap holding ``initialized_ticks``."""
    return TickBitmap(tick_spacing, initialized_ticks).next_initialized_tick_within_one_word(
        tick, lte
    )
