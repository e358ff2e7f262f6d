//! The CPU work every run does: a wrapping sum of a 64-bit hash of each number. It has no
//! closed form the compiler could use instead of the loop, and any split of the range
//! gives the same total, so every run can be checked against the others.

use std::ops::Range;

/// The "bytecode" (or, called once over a whole share, the "native code"). `inline(never)`:
/// every run, with the GIL or without, executes this same machine code.
#[inline(never)]
pub fn bytecode(range: Range<u64>) -> u64 {
    range.fold(0u64, |acc, i| acc.wrapping_add(mix(i)))
}

/// SplitMix64's finaliser: a cheap hash whose output looks random.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::bytecode;
    use crate::threads::share;

    #[test]
    fn any_split_of_the_bytecode_gives_the_same_total() {
        let whole = bytecode(0..100_000);
        let split = (0..7).fold(0u64, |acc, k| {
            acc.wrapping_add(bytecode(share(100_000, 7, k)))
        });
        assert_eq!(whole, split);
    }
}
