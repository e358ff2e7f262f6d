//! The executor: tasks in a slab, a queue of ready task ids, and wakers that
//! put an id back on that queue. When the queue is empty it asks the reactor
//! to wait until some socket or timer makes a task ready again.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::narrate::Narrator;
use crate::reactor::Reactor;
use crate::timeline::Chart;
use crate::trace::Trace;

/// A task is any future with no result, boxed so different ones fit in one Vec
/// and pinned because an `async` block may point into itself once polled.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

/// The ready queue. A Mutex (not a RefCell) because `Waker` must be Send + Sync:
/// a real program may wake a task from another thread.
type ReadyQueue = Arc<Mutex<VecDeque<usize>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a waker is, here: "push task `id` onto the ready queue".
struct TaskWaker {
    id: usize,
    ready: ReadyQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let mut queue = lock(&self.ready);
        // A task already queued will be polled anyway; queueing it twice would
        // only add a useless poll.
        if !queue.contains(&self.id) {
            queue.push_back(self.id);
        }
    }
}

struct Task {
    future: BoxFuture,
    waker: Waker,
}

/// What the loop counted while it ran.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub tasks: usize,
    pub polls: usize,
    pub parks_on_io: usize,
    pub timers: usize,
    pub reactor_waits: usize,
    pub wakeups: usize,
    pub elapsed: Duration,
}

/// The loop's state that leaf futures and `spawn` need while a task is being
/// polled. Like tokio, the loop installs it in a thread-local while it runs,
/// so task code can call `sleep` or `spawn` without passing a handle around.
pub struct Runtime {
    pub narrator: Narrator,
    /// `--trace`'s record of every poll, park and wake-up (does nothing without it).
    pub chart: Chart,
    pub reactor: RefCell<Reactor>,
    current: Cell<usize>,
    stopping: Cell<bool>,
    names: RefCell<Vec<String>>,
    spawned: RefCell<Vec<(String, BoxFuture)>>,
}

impl Runtime {
    /// The id of the task being polled right now (whoever registers interest).
    pub fn current(&self) -> usize {
        self.current.get()
    }
    /// "task 2 (client-1)", for the trace.
    pub fn label(&self, id: usize) -> String {
        let names = self.names.borrow();
        format!("task {id} ({})", names.get(id).map_or("?", |n| n.as_str()))
    }
}

thread_local! {
    static RUNTIME: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
}

/// Runs `f` with the loop that is polling the current task.
pub fn with_runtime<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    let rt = RUNTIME.with(|r| r.borrow().clone());
    match rt {
        Some(rt) => f(&rt),
        None => panic!("a leaf future of this loop was polled outside executor::run"),
    }
}

/// Adds a task; the loop picks it up right after the current poll returns.
pub fn spawn(name: impl Into<String>, future: impl Future<Output = ()> + 'static) {
    with_runtime(|rt| {
        rt.spawned
            .borrow_mut()
            .push((name.into(), Box::pin(future)))
    });
}

/// Ends the loop once the current poll returns: every task left is dropped, and with it
/// every socket it holds (`--serve` stops this way on Ctrl-C).
pub fn shutdown() {
    with_runtime(|rt| rt.stopping.set(true));
}

/// Runs the tasks until every one has finished (tasks may spawn more) or one calls
/// `shutdown`. `narrate` prints each decision; `trace` records them.
pub fn run(
    narrate: bool,
    trace: Rc<Trace>,
    initial: Vec<(String, BoxFuture)>,
) -> anyhow::Result<Stats> {
    let start = Instant::now();
    let on = narrate;
    let rt = Rc::new(Runtime {
        narrator: Narrator { start, on },
        chart: Chart::new(trace),
        reactor: RefCell::new(Reactor::new(Narrator { start, on })),
        current: Cell::new(usize::MAX),
        stopping: Cell::new(false),
        names: RefCell::new(Vec::new()),
        spawned: RefCell::new(initial),
    });
    RUNTIME.with(|r| *r.borrow_mut() = Some(Rc::clone(&rt)));
    let result = drive(&rt);
    RUNTIME.with(|r| *r.borrow_mut() = None);
    let mut stats = result?;
    let reactor = rt.reactor.borrow();
    stats.parks_on_io = reactor.parks_on_io;
    stats.timers = reactor.timers_set;
    stats.reactor_waits = reactor.waits;
    stats.elapsed = start.elapsed();
    Ok(stats)
}

// ANCHOR: drive
fn drive(rt: &Runtime) -> anyhow::Result<Stats> {
    let ready: ReadyQueue = Arc::default();
    // The slab: a task's id is its index; a finished task leaves a None behind.
    let mut tasks: Vec<Option<Task>> = Vec::new();
    let mut live = 0;
    let mut stats = Stats::default();
    loop {
        // New tasks join the back of the queue, as asyncio's create_task does.
        for (name, future) in rt.spawned.borrow_mut().drain(..) {
            let id = tasks.len();
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                ready: Arc::clone(&ready),
            }));
            rt.narrator.line(format_args!("spawned task {id} ({name})"));
            rt.chart.spawned(id, &name);
            rt.names.borrow_mut().push(name);
            tasks.push(Some(Task {
                future,
                waker: waker.clone(),
            }));
            waker.wake();
            live += 1;
            stats.tasks += 1;
        }
        rt.chart.queue(lock(&ready).len());
        let next = lock(&ready).pop_front();
        if let Some(id) = next {
            // A stale wake-up for a task that already finished: nothing to do.
            let Some(task) = tasks.get_mut(id).and_then(Option::as_mut) else {
                continue;
            };
            rt.narrator.line(format_args!("polled {}", rt.label(id)));
            rt.chart.queue(lock(&ready).len());
            rt.current.set(id);
            stats.polls += 1;
            let from = Instant::now();
            let done = task
                .future
                .as_mut()
                .poll(&mut Context::from_waker(&task.waker));
            rt.chart.polled(id, stats.polls, from, done.is_ready());
            if done.is_ready() {
                rt.narrator.line(format_args!("{} done", rt.label(id)));
                tasks[id] = None;
                live -= 1;
            }
            if rt.stopping.get() {
                rt.narrator
                    .line(format_args!("shutdown: dropping {live} task(s)"));
                return Ok(stats);
            }
            continue;
        }
        if live == 0 {
            return Ok(stats);
        }
        // Nothing is ready: the only thing left to do is wait for the outside world.
        if rt.reactor.borrow().is_idle() {
            bail!(
                "{live} task(s) are pending but none waits on a socket or a timer, so nothing can wake them; \
                 a leaf future must register with the reactor before it returns Pending"
            );
        }
        let (from, (fds, timeout)) = (Instant::now(), rt.reactor.borrow().watching());
        let woken = rt.reactor.borrow_mut().wait()?;
        rt.chart.waited(from, fds, timeout, woken.len());
        for wakeup in woken {
            rt.narrator.line(format_args!(
                "woke {}: {}",
                rt.label(wakeup.task),
                wakeup.reason
            ));
            rt.chart.woken(wakeup.task, &wakeup.reason);
            stats.wakeups += 1;
            wakeup.waker.wake();
        }
    }
}
// ANCHOR_END: drive

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waker_queues_its_task_once() {
        let ready: ReadyQueue = Arc::default();
        let a = Waker::from(Arc::new(TaskWaker {
            id: 3,
            ready: Arc::clone(&ready),
        }));
        let b = Waker::from(Arc::new(TaskWaker {
            id: 5,
            ready: Arc::clone(&ready),
        }));
        a.wake_by_ref();
        b.wake_by_ref();
        a.wake_by_ref();
        assert_eq!(*lock(&ready), VecDeque::from([3, 5]));
    }

    #[test]
    fn tasks_run_in_spawn_order_and_may_spawn_more() {
        let order = Rc::new(RefCell::new(Vec::new()));
        let log = |name: &'static str| {
            let order = Rc::clone(&order);
            async move { order.borrow_mut().push(name) }
        };
        let inner = log("child");
        let parent = {
            let order = Rc::clone(&order);
            async move {
                order.borrow_mut().push("parent");
                spawn("child", inner);
            }
        };
        let initial: Vec<(String, BoxFuture)> = vec![
            ("parent".into(), Box::pin(parent)),
            ("second".into(), Box::pin(log("second"))),
        ];
        let stats = run(false, Rc::new(Trace::off()), initial).unwrap();
        assert_eq!(*order.borrow(), ["parent", "second", "child"]);
        assert_eq!((stats.tasks, stats.polls), (3, 3));
    }

    #[test]
    fn a_task_nobody_can_wake_is_an_error_not_a_hang() {
        let stuck: BoxFuture = Box::pin(std::future::pending::<()>());
        let err = run(false, Rc::new(Trace::off()), vec![("stuck".into(), stuck)]).unwrap_err();
        assert!(err.to_string().contains("nothing can wake them"), "{err}");
    }
}
