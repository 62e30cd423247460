//! TickBitmap.sol: which ticks are initialized, one 256-bit word per 256
//! compressed ticks. Word boundaries end swap steps even where no tick is
//! initialized, which changes rounding; reproducing them is part of exactness.

use crate::U256;

/// The pool's `tickBitmap` mapping, as words sorted by position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickBitmap {
    words: Vec<(i16, U256)>,
}

/// `TickBitmap.position`: word and bit of a compressed tick.
#[inline]
pub fn position(compressed: i32) -> (i16, u8) {
    ((compressed >> 8) as i16, (compressed & 0xff) as u8)
}

/// `tick / tickSpacing`, rounded toward negative infinity as the contract does.
#[inline]
pub fn compress(tick: i32, tick_spacing: i32) -> i32 {
    let mut compressed = tick / tick_spacing;
    if tick < 0 && tick % tick_spacing != 0 {
        compressed -= 1;
    }
    compressed
}

impl TickBitmap {
    /// A bitmap with these distinct ticks (multiples of `tick_spacing`) initialized.
    pub fn from_ticks(ticks: impl IntoIterator<Item = i32>, tick_spacing: i32) -> Self {
        let mut bitmap = Self::default();
        for tick in ticks {
            bitmap.flip(tick, tick_spacing);
        }
        bitmap
    }

    /// `TickBitmap.flipTick`: toggle a tick's initialized bit.
    pub fn flip(&mut self, tick: i32, tick_spacing: i32) {
        let (word, bit) = position(tick / tick_spacing);
        match self.words.binary_search_by_key(&word, |&(w, _)| w) {
            Ok(index) => {
                if let Some(entry) = self.words.get_mut(index) {
                    let set = entry.1.bit(usize::from(bit));
                    entry.1.set_bit(usize::from(bit), !set);
                    if entry.1.is_zero() {
                        self.words.remove(index);
                    }
                }
            }
            Err(index) => {
                let mut value = U256::ZERO;
                value.set_bit(usize::from(bit), true);
                self.words.insert(index, (word, value));
            }
        }
    }

    #[inline]
    fn word(&self, position: i16) -> U256 {
        match self.words.binary_search_by_key(&position, |&(w, _)| w) {
            Ok(index) => self.words.get(index).map_or(U256::ZERO, |&(_, word)| word),
            Err(_) => U256::ZERO,
        }
    }

    /// `TickBitmap.nextInitializedTickWithinOneWord`: the next initialized tick
    /// at or below (`lte`) or above `tick`, within the same word; if there is
    /// none, the word's edge tick and `false`.
    #[inline]
    pub fn next_initialized_tick_within_one_word(
        &self,
        tick: i32,
        tick_spacing: i32,
        lte: bool,
    ) -> (i32, bool) {
        let compressed = compress(tick, tick_spacing);
        if lte {
            let (word_pos, bit_pos) = position(compressed);
            // All bits at or to the right of bit_pos.
            let mask = (U256::from(1u8) << usize::from(bit_pos)) - U256::from(1u8)
                + (U256::from(1u8) << usize::from(bit_pos));
            let masked = self.word(word_pos) & mask;
            if masked.is_zero() {
                ((compressed - i32::from(bit_pos)) * tick_spacing, false)
            } else {
                let msb = 255 - masked.leading_zeros() as i32;
                ((compressed - (i32::from(bit_pos) - msb)) * tick_spacing, true)
            }
        } else {
            let (word_pos, bit_pos) = position(compressed + 1);
            // All bits at or to the left of bit_pos.
            let mask = !((U256::from(1u8) << usize::from(bit_pos)) - U256::from(1u8));
            let masked = self.word(word_pos) & mask;
            if masked.is_zero() {
                ((compressed + 1 + (i32::from(u8::MAX) - i32::from(bit_pos))) * tick_spacing, false)
            } else {
                let lsb = masked.trailing_zeros() as i32;
                ((compressed + 1 + (lsb - i32::from(bit_pos))) * tick_spacing, true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // v3-core TickBitmap.spec with tick spacing 1 and these ticks initialized.
    fn bitmap() -> TickBitmap {
        TickBitmap::from_ticks([-200, -55, -4, 70, 78, 84, 139, 240, 535], 1)
    }

    #[test]
    fn next_to_the_right() {
        let b = bitmap();
        assert_eq!(b.next_initialized_tick_within_one_word(78, 1, false), (84, true));
        assert_eq!(b.next_initialized_tick_within_one_word(-55, 1, false), (-4, true));
        assert_eq!(b.next_initialized_tick_within_one_word(77, 1, false), (78, true));
        assert_eq!(b.next_initialized_tick_within_one_word(-56, 1, false), (-55, true));
        assert_eq!(b.next_initialized_tick_within_one_word(255, 1, false), (511, false));
        assert_eq!(b.next_initialized_tick_within_one_word(-257, 1, false), (-200, true));
        assert_eq!(b.next_initialized_tick_within_one_word(340, 1, false), (511, false));
        assert_eq!(b.next_initialized_tick_within_one_word(328, 1, false), (511, false));
        assert_eq!(b.next_initialized_tick_within_one_word(508, 1, false), (511, false));
    }

    #[test]
    fn next_to_the_left_or_at() {
        let b = bitmap();
        assert_eq!(b.next_initialized_tick_within_one_word(78, 1, true), (78, true));
        assert_eq!(b.next_initialized_tick_within_one_word(79, 1, true), (78, true));
        assert_eq!(b.next_initialized_tick_within_one_word(258, 1, true), (256, false));
        assert_eq!(b.next_initialized_tick_within_one_word(256, 1, true), (256, false));
        assert_eq!(b.next_initialized_tick_within_one_word(72, 1, true), (70, true));
        assert_eq!(b.next_initialized_tick_within_one_word(-257, 1, true), (-512, false));
        assert_eq!(b.next_initialized_tick_within_one_word(1023, 1, true), (768, false));
        assert_eq!(b.next_initialized_tick_within_one_word(900, 1, true), (768, false));
    }

    #[test]
    fn compress_rounds_toward_negative_infinity() {
        assert_eq!(compress(-1, 60), -1);
        assert_eq!(compress(-60, 60), -1);
        assert_eq!(compress(-61, 60), -2);
        assert_eq!(compress(59, 60), 0);
    }
}
