//! Asks for the memory the unbounded queue will hold before the runs start, so that items
//! this process cannot hold (under `ulimit -v`) fail with one line that names the flags,
//! instead of an allocation abort once the queue has grown.

use anyhow::bail;

/// What one waiting item holds beyond its payload: the 32-byte `Item` in the channel's
/// block, its byte in the ledger, and the allocator's header on the payload. Measured: a
/// million waiting items of 64 B held 97 MB (`heap_bytes_unbounded`), 33 B more than
/// the payload each; 64 leaves room for the allocator's own rounding.
const BYTES_PER_ITEM: u64 = 64;

/// The bytes `items` waiting items of `item_bytes` take, estimated.
pub fn unbounded_bytes(items: u32, item_bytes: u32) -> u64 {
    u64::from(items) * (u64::from(item_bytes) + BYTES_PER_ITEM)
}

/// Fails, saying what to lower, if this process cannot have the memory the unbounded
/// queue will hold when every item waits in it.
pub fn check_memory_for(items: u32, item_bytes: u32) -> anyhow::Result<()> {
    let bytes = unbounded_bytes(items, item_bytes);
    let mut probe: Vec<u8> = Vec::new();
    if usize::try_from(bytes).map_or(true, |b| probe.try_reserve_exact(b).is_err()) {
        bail!(
            "{items} waiting items of {item_bytes} B need about {:.0} MiB in the unbounded \
             queue and this process cannot have it; lower --items or --item-bytes, or raise \
             the memory limit (ulimit -v)",
            bytes as f64 / f64::from(1 << 20)
        );
    }
    Ok(())
}
