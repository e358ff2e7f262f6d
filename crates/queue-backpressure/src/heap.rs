//! Counts the bytes the program has allocated and not yet freed, and the most it held at
//! once: the memory the waiting items take, measured rather than computed from a type's
//! size (a queue also allocates its own blocks, and each item its payload).
//!
//! `GlobalAlloc` is an unsafe trait: the allocator must hand out valid memory. This one
//! hands every call to the system allocator unchanged and only counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set while `--trace` records: the trace's own memory is not the queue's. A `const`
    /// thread-local of a `Cell<bool>` needs no allocation and no destructor.
    static UNCOUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    !UNCOUNTED.with(Cell::get)
}

fn grew(bytes: usize) {
    if counted() {
        let now = LIVE.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(now, Relaxed);
    }
}

fn shrank(bytes: usize) {
    if counted() {
        LIVE.fetch_sub(bytes, Relaxed);
    }
}

/// Runs `f` without counting what it allocates and frees: for the trace, whose memory
/// must change no figure. What `f` allocates must be freed inside `uncounted` too.
pub fn uncounted<T>(f: impl FnOnce() -> T) -> T {
    let before = UNCOUNTED.replace(true);
    let out = f();
    UNCOUNTED.set(before);
    out
}

// SAFETY: every method forwards to `System` with the caller's own arguments, so the
// memory handed out is exactly what the system allocator gives; the counters are atomics
// and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which `System.alloc` shares.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        new
    }
}

/// Starts a new measurement: returns the bytes held now, the baseline.
pub fn start() -> usize {
    let now = LIVE.load(Relaxed);
    PEAK.store(now, Relaxed);
    now
}

/// The most bytes held at once since `start`, beyond its baseline.
pub fn peak_since(baseline: usize) -> usize {
    PEAK.load(Relaxed).saturating_sub(baseline)
}
