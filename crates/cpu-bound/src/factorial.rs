//! The notes' other CPU-bound example, a big factorial, with a bignum written by hand so
//! the work is visible: a number is a list of base-10^9 "limbs", least significant first.

use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use rayon::prelude::*;

const BASE: u64 = 1_000_000_000;

/// The product of every k in `range`, as limbs.
pub fn product(range: std::ops::RangeInclusive<u32>) -> Vec<u64> {
    let mut limbs = vec![1u64];
    for k in range {
        // A limb times k plus the carry stays below 10^9 * 2^32 + 2^32: no overflow.
        let mut carry = 0u64;
        for limb in limbs.iter_mut() {
            let x = *limb * k as u64 + carry;
            *limb = x % BASE;
            carry = x / BASE;
        }
        while carry > 0 {
            limbs.push(carry % BASE);
            carry /= BASE;
        }
    }
    limbs
}

/// Schoolbook multiplication of two limb lists. Each column sums its products in a u128
/// (each product is below 10^18, so even 10^20 of them fit) and carries once at the end.
fn multiply(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut columns = vec![0u128; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        for (column, &y) in columns[i..].iter_mut().zip(b) {
            *column += (x * y) as u128;
        }
    }
    let mut out = Vec::with_capacity(columns.len());
    let mut carry = 0u128;
    for column in columns {
        let t = column + carry;
        out.push((t % BASE as u128) as u64);
        carry = t / BASE as u128;
    }
    while out.len() > 1 && out.last() == Some(&0) {
        out.pop();
    }
    out
}

/// n! with the bignum below: the range 1..=n cut into one part per worker, each part
/// multiplied out, then the parts multiplied together. The same code runs on a one-thread
/// pool and on a pool of `workers`, taking turns twice (the best of each counts), so only
/// the threads differ; the speedup is the one thread's CPU time over the pool's wall time,
/// as in the table. The digit count is checked against floor(log10 n!) + 1.
pub fn show(n: u32, workers: usize) -> anyhow::Result<Factorial> {
    if n == 0 {
        return Ok(Factorial::default());
    }
    let pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(crate::limits::STACK)
            .build()
            // rayon's error repeats its cause as its source: say it once.
            .map_err(|e| anyhow!("{e}"))
            .context(crate::LIMITS_HINT)
    };
    let pools = [pool(1)?, pool(workers)?];
    let (mut best, mut alone_cpu, mut serial_cpu) = ([f64::MAX; 2], f64::MAX, f64::MAX);
    let mut products = [Vec::new(), Vec::new()];
    for _ in 0..2 {
        for (k, pool) in pools.iter().enumerate() {
            let start = Instant::now();
            let (product, [whole, serial]) = pool.install(|| {
                let cpu = crate::report::thread_cpu_s;
                let began = cpu();
                let parts = multiplied_out(n, workers);
                let last_step = cpu();
                let product = multiplied_together(parts);
                (product, [cpu() - began, cpu() - last_step])
            });
            products[k] = product;
            best[k] = best[k].min(start.elapsed().as_secs_f64());
            if k == 0 {
                // The one pool thread did all the work: its CPU time is the work itself.
                alone_cpu = alone_cpu.min(whole);
                serial_cpu = serial_cpu.min(serial);
            }
        }
    }
    let [alone, together] = products;
    let digits = to_decimal(&alone);
    let expected = digits_by_logarithm(n);
    let agrees = if digits.len() == expected {
        "agrees"
    } else {
        "DISAGREES"
    };
    println!(
        "{n}! = {}... ({} digits; log10 says {expected}: {agrees})",
        &digits[..digits.len().min(20)],
        digits.len(),
    );
    let same = if together == alone {
        "same number"
    } else {
        "DIFFERENT NUMBER"
    };
    let speedup = alone_cpu / best[1].max(1e-9);
    println!(
        "  {workers} parts, then multiplied together: on 1 thread {:.3} s ({alone_cpu:.3} s of \
         its CPU), on {workers} threads {:.3} s (speedup {speedup:.2}x, over that CPU time), {same}",
        best[0], best[1],
    );
    // Amdahl's law: a serial share f of the work leaves at most 1 / (f + (1 - f) / N).
    let f = (serial_cpu / alone_cpu.max(1e-9)).clamp(0.0, 1.0);
    let amdahl_max = 1.0 / (f + (1.0 - f) / workers as f64);
    println!(
        "  the serial part, multiplying the {workers} parts together, is one thread's work: \
         {serial_cpu:.3} s of the\n  {alone_cpu:.3} s ({:.0}%). Amdahl's law: with that share \
         serial, {workers} threads can reach at most\n  1 / ({f:.2} + {:.2} / {workers}) = \
         {amdahl_max:.2}x (amdahl_max; the run got {speedup:.2}x)\n",
        100.0 * f,
        1.0 - f
    );
    if digits.len() != expected || together != alone {
        bail!("{n}! came out wrong; this is a bug in the demo");
    }
    Ok(Factorial {
        digits: digits.len(),
        speedup,
        amdahl_max,
    })
}

/// What the factorial measured: its digits, its speedup on the pool of workers, and the
/// most Amdahl's law allows it, from the serial part's share of one thread's CPU time.
#[derive(Default)]
pub struct Factorial {
    pub digits: usize,
    pub speedup: f64,
    pub amdahl_max: f64,
}

/// n! in `parts` ranges, each multiplied out on its own (in parallel on the current rayon
/// pool), then the partial products multiplied together, which is one thread's work.
#[cfg(test)]
pub fn in_parts(n: u32, parts: usize) -> Vec<u64> {
    multiplied_together(multiplied_out(n, parts))
}

/// The parallel part: 1..=n cut into `parts` ranges, each multiplied out on its own, in
/// parallel on the current rayon pool.
#[inline(never)]
pub fn multiplied_out(n: u32, parts: usize) -> Vec<Vec<u64>> {
    let n = n.max(1);
    let parts = (parts.max(1) as u32).min(n);
    // Equal counts make equal work: a range's cost grows with the size of its running
    // product, which grows about as fast in every range.
    let cut = |i: u32| (n as u64 * i as u64 / parts as u64) as u32;
    let ranges: Vec<_> = (0..parts).map(|i| cut(i) + 1..=cut(i + 1)).collect();
    ranges.into_par_iter().map(product).collect()
}

/// The serial part: the partial products multiplied together, one after another, on the
/// calling thread.
#[inline(never)]
pub fn multiplied_together(parts: Vec<Vec<u64>>) -> Vec<u64> {
    parts.iter().fold(vec![1], |acc, part| multiply(&acc, part))
}

/// The decimal digits of a limb list.
pub fn to_decimal(limbs: &[u64]) -> String {
    let mut text = limbs.last().map_or("0".to_string(), |top| top.to_string());
    for limb in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{limb:09}"));
    }
    text
}

/// How many digits n! has, from floor(log10 n!) + 1, computed without any bignum.
pub fn digits_by_logarithm(n: u32) -> usize {
    let log10: f64 = (2..=n).map(|k| (k as f64).log10()).sum();
    log10.floor() as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factorials_are_exact() {
        assert_eq!(to_decimal(&in_parts(0, 2)), "1");
        assert_eq!(to_decimal(&product(1..=10)), "3628800");
        assert_eq!(to_decimal(&in_parts(25, 3)), "15511210043330985984000000");
    }

    #[test]
    fn parts_multiply_to_the_plain_product() {
        for (n, parts) in [(1, 4), (30, 3), (1000, 2), (1000, 7)] {
            assert_eq!(in_parts(n, parts), product(1..=n), "{n}! in {parts} parts");
        }
    }

    #[test]
    fn known_digit_counts() {
        // 1000! has 2568 digits and begins 402387260077; 10000! has 35660 digits.
        let thousand = to_decimal(&in_parts(1000, 1));
        assert_eq!(thousand.len(), 2568);
        assert!(thousand.starts_with("402387260077"));
        assert_eq!(to_decimal(&in_parts(10_000, 2)).len(), 35_660);
        assert_eq!(digits_by_logarithm(10_000), 35_660);
        assert_eq!(digits_by_logarithm(20_000), 77_338);
    }
}
