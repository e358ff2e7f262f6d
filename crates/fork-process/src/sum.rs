//! The CPU-bound job the children share: the sum of i*i over a range, split into
//! parts, run sequentially for comparison, and checked against its closed form.

use nix::sys::resource::UsageWho;
use std::ops::Range;

use crate::clock::{Clock, Timed};

/// The CPU-bound job: the sum of i*i over a range. `black_box` keeps the compiler from
/// replacing the loop by its closed form, which would make the timing meaningless.
/// `inline(never)`: the sequential run and the children then execute the same machine code.
#[inline(never)]
pub fn sum_of_squares(range: Range<u64>) -> u128 {
    let mut total: u128 = 0;
    for i in range {
        let i = std::hint::black_box(i) as u128;
        total += i * i;
    }
    total
}

/// The whole sum on this one thread: its wall time, and the CPU time it really took
/// (less than the wall time when other programs had the core for a while).
pub fn sequential_sum(size: u64) -> anyhow::Result<(u128, Timed)> {
    let clock = Clock::start(UsageWho::RUSAGE_SELF)?;
    let total = sum_of_squares(0..size);
    let time = clock.stop()?;
    println!(
        "sequential: sum of i*i for i < {size} = {total} in {:.3} s ({:.3} s of CPU)",
        time.wall, time.cpu
    );
    Ok((total, time))
}

/// The same sum by formula, as an independent check: n(n-1)(2n-1)/6 for i in 0..n.
pub fn closed_form(n: u64) -> u128 {
    let n = n as u128;
    n * n.saturating_sub(1) * (2 * n).saturating_sub(1) / 6
}

/// Splits 0..size into `parts` contiguous ranges whose lengths differ by at most one.
pub fn split(size: u64, parts: u32) -> Vec<Range<u64>> {
    let parts = u64::from(parts);
    let (base, extra) = (size / parts, size % parts);
    let mut start = 0;
    (0..parts)
        .map(|k| {
            let len = base + u64::from(k < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_the_range_without_gaps() {
        for (size, parts) in [(10, 3), (3, 5), (1_000_001, 4), (7, 1)] {
            let ranges = split(size, parts);
            assert_eq!(ranges.len(), parts as usize);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, size);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
            assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn loop_and_formula_agree() {
        for n in [0, 1, 2, 3, 10, 12_345] {
            assert_eq!(sum_of_squares(0..n), closed_form(n), "n = {n}");
        }
    }

    #[test]
    fn parts_add_up_to_the_whole() {
        let whole = sum_of_squares(0..100_003);
        let parts: u128 = split(100_003, 7).into_iter().map(sum_of_squares).sum();
        assert_eq!(parts, whole);
    }
}
