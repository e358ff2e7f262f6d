//! A count of things in progress that remembers its highest value: requests in the
//! server, tasks alive in the client. `enter` returns a guard that leaves on drop, so a
//! request that ends early (an error, a dropped task) still counts itself out. A gauge
//! may be watched (`--trace`): the watcher hears each entry and each exit, with the level.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Default)]
pub struct Gauge(Arc<Inner>);

#[derive(Default)]
struct Inner {
    now: AtomicUsize,
    peak: AtomicUsize,
    watch: Option<Arc<dyn Watch>>,
}

/// Hears a gauge move: `entered` returns a token that `left` gets back for the same one.
pub trait Watch: Send + Sync {
    fn entered(&self, now: usize) -> usize;
    fn left(&self, token: usize, now: usize);
}

pub struct Inside(Arc<Inner>, usize);

impl Gauge {
    /// A gauge whose moves `watch` hears.
    pub fn watched(watch: Arc<dyn Watch>) -> Gauge {
        Gauge(Arc::new(Inner {
            watch: Some(watch),
            ..Inner::default()
        }))
    }

    pub fn enter(&self) -> Inside {
        let now = self.0.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.peak.fetch_max(now, Ordering::SeqCst);
        let token = self.0.watch.as_ref().map_or(0, |w| w.entered(now));
        Inside(Arc::clone(&self.0), token)
    }

    /// The most seen at once since the last call; starts a new count from what is inside now.
    pub fn take_peak(&self) -> usize {
        let now = self.0.now.load(Ordering::SeqCst);
        self.0.peak.swap(now, Ordering::SeqCst)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let now = self.0.now.fetch_sub(1, Ordering::SeqCst) - 1;
        if let Some(watch) = &self.0.watch {
            watch.left(self.1, now);
        }
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
