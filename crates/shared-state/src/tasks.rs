//! The harness that spawns one version's tasks and collects them: each task gets its lane
//! of the trace, and returns the thread it ran on.

use std::sync::Arc;
use std::thread::ThreadId;

use tokio::task::{JoinError, JoinHandle};

use crate::lanes::{Lane, Lanes};

/// Every task of one version: when they have all ended, the thread each ran on, or the
/// first failure (a task that panicked has no update to count).
pub type Tasks = JoinHandle<Result<Vec<ThreadId>, JoinError>>;

/// Spawns `tasks` copies of a task, each with its lane of the trace, and a task that
/// waits for them all; each returns its thread.
pub fn spawn_all<F: Future<Output = ThreadId> + Send + 'static>(
    tasks: usize,
    lanes: &Arc<Lanes>,
    task: impl Fn(Lane) -> F,
) -> Tasks {
    let handles: Vec<_> = (0..tasks)
        .map(|_| tokio::spawn(task(lanes.lane())))
        .collect();
    tokio::spawn(async move {
        let mut threads = Vec::with_capacity(handles.len());
        for handle in handles {
            threads.push(handle.await?);
        }
        Ok(threads)
    })
}
