//! What a forked child sends its parent: one fixed-size record per job, the job's index
//! (u64) and its sum (u128), little-endian. Fixed size, so the child writes from a stack
//! buffer without allocating (see the SAFETY note on `fork` in main.rs).

use std::fs::File;
use std::io::Read;

use anyhow::{Context, bail};

/// Bytes in one record.
pub const RECORD: usize = 8 + 16;

pub fn encode(index: usize, sum: u128) -> [u8; RECORD] {
    let mut record = [0u8; RECORD];
    record[..8].copy_from_slice(&(index as u64).to_le_bytes());
    record[8..].copy_from_slice(&sum.to_le_bytes());
    record
}

/// Reads a child's pipe to its end and files each record's sum under its index.
pub fn read(pipe: &mut File, results: &mut [Option<u128>]) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    pipe.read_to_end(&mut bytes)
        .context("cannot read from a child")?;
    if bytes.len() % RECORD != 0 {
        bail!("a child's record was cut short");
    }
    for record in bytes.chunks_exact(RECORD) {
        let (index, sum) = record.split_at(8);
        let index = u64::from_le_bytes(index.try_into().expect("8 bytes")) as usize;
        let sum = u128::from_le_bytes(sum.try_into().expect("16 bytes"));
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
        let record = super::encode(7, u128::MAX - 3);
        assert_eq!(record[..8], 7u64.to_le_bytes());
        assert_eq!(record[8..], (u128::MAX - 3).to_le_bytes());
    }
}
