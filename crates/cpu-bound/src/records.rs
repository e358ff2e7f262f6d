//! What a forked child sends its parent: one fixed-size record per job, the job's index
//! (u64), its sum (u128), and when it ran (two u64s, nanoseconds from the parent's clock
//! zero, for `--trace`), little-endian. Fixed size, so the child writes from a stack
//! buffer without allocating (see the SAFETY note on `fork` in main.rs).

use std::fs::File;
use std::io::Read;

use anyhow::{Context, bail};

/// Bytes in one record.
pub const RECORD: usize = 8 + 16 + 8 + 8;

/// One job's record: its index, its sum, and its start and end in nanoseconds.
pub fn encode(index: usize, sum: u128, from_ns: u64, to_ns: u64) -> [u8; RECORD] {
    let mut record = [0u8; RECORD];
    record[..8].copy_from_slice(&(index as u64).to_le_bytes());
    record[8..24].copy_from_slice(&sum.to_le_bytes());
    record[24..32].copy_from_slice(&from_ns.to_le_bytes());
    record[32..].copy_from_slice(&to_ns.to_le_bytes());
    record
}

/// When a job ran, as its child sent it: (index, start ns, end ns).
pub type Ran = (usize, u64, u64);

/// Reads a child's pipe to its end, files each record's sum under its index, and adds
/// when each job ran to `ran`.
pub fn read(
    pipe: &mut File,
    results: &mut [Option<u128>],
    ran: &mut Vec<Ran>,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    pipe.read_to_end(&mut bytes)
        .context("cannot read from a child")?;
    if bytes.len() % RECORD != 0 {
        bail!("a child's record was cut short");
    }
    for record in bytes.chunks_exact(RECORD) {
        let word = |at: usize| u64::from_le_bytes(record[at..at + 8].try_into().expect("8 bytes"));
        let index = word(0) as usize;
        let sum = u128::from_le_bytes(record[8..24].try_into().expect("16 bytes"));
        ran.push((index, word(24), word(32)));
        *results
            .get_mut(index)
            .context("a child sent an unknown job")? = Some(sum);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_record_reads_back() {
        let record = super::encode(7, u128::MAX - 3, 11, 12);
        assert_eq!(record[..8], 7u64.to_le_bytes());
        assert_eq!(record[8..24], (u128::MAX - 3).to_le_bytes());
        assert_eq!(record[24..32], 11u64.to_le_bytes());
        assert_eq!(record[32..], 12u64.to_le_bytes());
    }
}
