//! A count of things in progress that remembers its highest value: requests in the
//! server, tasks alive in the client. `enter` returns a guard that leaves on drop, so a
//! request that ends early (an error, a dropped task) still counts itself out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Default)]
pub struct Gauge(Arc<Inner>);

#[derive(Default)]
struct Inner {
    now: AtomicUsize,
    peak: AtomicUsize,
}

pub struct Inside(Arc<Inner>);

impl Gauge {
    pub fn enter(&self) -> Inside {
        let now = self.0.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.peak.fetch_max(now, Ordering::SeqCst);
        Inside(Arc::clone(&self.0))
    }

    /// The most seen at once since the last call; starts a new count from what is inside now.
    pub fn take_peak(&self) -> usize {
        let now = self.0.now.load(Ordering::SeqCst);
        self.0.peak.swap(now, Ordering::SeqCst)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::Gauge;

    #[test]
    fn the_peak_is_the_most_inside_at_once() {
        let gauge = Gauge::default();
        let a = gauge.enter();
        let b = gauge.enter();
        drop(a);
        let c = gauge.enter();
        drop((b, c));
        assert_eq!(gauge.take_peak(), 2);
        assert_eq!(
            gauge.take_peak(),
            0,
            "a new count starts from the 0 inside now"
        );
    }
}
