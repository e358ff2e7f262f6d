//! The CPU work every run does: a wrapping sum of a 64-bit hash of each number. It has no
//! closed form the compiler could use instead of the loop, and any split of the range
//! gives the same total, so every run can be checked against the others. Also its sizes:
//! the `--work` flag, the chunk between clock checks, the steps of an I/O request and
//! of its reply.

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

/// Iterations between two looks at the clock: small against a switch interval.
pub const CHUNK: u64 = 4096;

/// Bytecode run to build each I/O request and again to handle each reply.
pub const REQUEST_WORK: u64 = 2_000;

/// The bytecode that builds I/O request `op`: its own stretch of REQUEST_WORK steps.
pub fn request_steps(op: u64) -> Range<u64> {
    op * REQUEST_WORK..(op + 1) * REQUEST_WORK
}

/// The bytecode that handles the reply to `request` (the value its bytecode built):
/// REQUEST_WORK steps that start at the request's low 32 bits. A real handler reads what
/// it asked for; this one depends on the request in the same way, so it cannot run before
/// the request is built, and the low 32 bits keep the range far from u64::MAX.
pub fn reply_steps(request: u64) -> Range<u64> {
    let start = u64::from(request as u32);
    start..start + REQUEST_WORK
}

/// A little work, untimed, so the first timed run does not pay for a cold start.
pub fn warm_up(iterations: u64) {
    std::hint::black_box(bytecode(0..iterations / 20));
}

/// `--work`: millions of loop iterations, from 0.001 to 100000.
pub fn parse_millions(text: &str) -> Result<f64, String> {
    let work: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.001..=100_000.0).contains(&work) {
        Ok(work)
    } else {
        Err("must be between 0.001 and 100000 (millions of iterations)".into())
    }
}

/// `--work` in loop iterations.
pub fn iterations(millions: f64) -> u64 {
    (millions * 1e6).round() as u64
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
