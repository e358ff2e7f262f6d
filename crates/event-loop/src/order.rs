//! Which task does the loop run next? Note 002 says it pops "the first task, by priority,
//! not order". Measured here, on each loop: five tasks made ready in a known order, each
//! handing the thread back once (`yield_now`, asyncio's `await asyncio.sleep(0)`), and four
//! sleeps armed out of order. The loop records who ran when; the verdict is read from it.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;

use crate::executor::{self, BoxFuture};
use crate::leaf::{sleep, yield_now};
use crate::trace::Trace;

/// The ready tasks, in the order they are spawned (made ready).
pub const READY: [&str; 5] = ["t1", "t2", "t3", "t4", "t5"];
/// The sleeps, in the order they are armed, in tenths of a step (0.4, 0.1, 0.3, 0.2 steps).
const ARMED_TENTHS: [u32; 4] = [4, 1, 3, 2];

/// What one loop did: the order it ran the ready tasks in, and the order its timers fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub ran: Vec<String>,
    pub armed_ms: Vec<u64>,
    pub fired_ms: Vec<u64>,
}

impl Order {
    /// How the loop ran the two rounds (the tasks as spawned, then as each handed the
    /// thread back): `fifo` when both in the order they became ready, `lifo` when both
    /// reversed, `fifo-then-lifo` (tokio's), `other` otherwise.
    pub fn ready_order(&self) -> &'static str {
        let round = |r: &[String]| {
            let names: Vec<&str> = r.iter().map(String::as_str).collect();
            let mut reversed = READY.to_vec();
            reversed.reverse();
            if names == READY {
                "fifo"
            } else if names == reversed {
                "lifo"
            } else {
                "other"
            }
        };
        if self.ran.len() != 2 * READY.len() {
            return "other";
        }
        let (first, second) = self.ran.split_at(READY.len());
        match (round(first), round(second)) {
            ("fifo", "fifo") => "fifo",
            ("lifo", "lifo") => "lifo",
            ("fifo", "lifo") => "fifo-then-lifo",
            _ => "other",
        }
    }
    /// `deadline` when the timers fired nearest deadline first, `armed` when in the order
    /// they were armed, `other` otherwise.
    pub fn timer_order(&self) -> &'static str {
        let mut by_deadline = self.armed_ms.clone();
        by_deadline.sort_unstable();
        if self.fired_ms == by_deadline {
            "deadline"
        } else if self.fired_ms == self.armed_ms {
            "armed"
        } else {
            "other"
        }
    }
}

/// The sleeps' lengths in ms for this step, in the order they are armed.
pub fn armed(step: Duration) -> Vec<Duration> {
    ARMED_TENTHS.iter().map(|&t| step * t / 10).collect()
}

/// The longest of those sleeps: what this part adds to a loop's deliberate waits.
pub fn longest(step: Duration) -> Duration {
    armed(step).into_iter().max().unwrap_or_default()
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// On the scratch loop: each ready task writes its name when it runs, before and after it
/// hands the thread back; each sleeper writes its length when it wakes.
pub fn on_scratch_loop(step: Duration) -> anyhow::Result<Order> {
    let ran = Rc::new(RefCell::new(Vec::new()));
    let fired = Rc::new(RefCell::new(Vec::new()));
    let mut tasks: Vec<(String, BoxFuture)> = Vec::new();
    for name in READY {
        let ran = Rc::clone(&ran);
        let task = async move {
            ran.borrow_mut().push(name.to_string());
            yield_now().await;
            ran.borrow_mut().push(name.to_string());
        };
        tasks.push((name.to_string(), Box::pin(task)));
    }
    for nap in armed(step) {
        let fired = Rc::clone(&fired);
        let task = async move {
            sleep(nap).await;
            fired.borrow_mut().push(ms(nap));
        };
        tasks.push((format!("sleep {} ms", ms(nap)), Box::pin(task)));
    }
    executor::run(false, Rc::new(Trace::off()), tasks)?;
    let (ran, fired) = (ran.take(), fired.take());
    Ok(Order {
        ran,
        armed_ms: armed(step).into_iter().map(ms).collect(),
        fired_ms: fired,
    })
}

/// The same tasks on tokio's one-thread loop (`tokio::task::yield_now`, `tokio::time::sleep`).
pub fn on_tokio(step: Duration) -> anyhow::Result<Order> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime; check the open file limit (ulimit -n)")?;
    let ran = Arc::new(Mutex::new(Vec::new()));
    let fired = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let mut handles = Vec::new();
        for name in READY {
            let ran = Arc::clone(&ran);
            handles.push(tokio::spawn(async move {
                push(&ran, name.to_string());
                tokio::task::yield_now().await;
                push(&ran, name.to_string());
            }));
        }
        let mut sleepers = Vec::new();
        for nap in armed(step) {
            let fired = Arc::clone(&fired);
            sleepers.push(tokio::spawn(async move {
                tokio::time::sleep(nap).await;
                push(&fired, ms(nap));
            }));
        }
        for handle in handles.into_iter().chain(sleepers) {
            handle
                .await
                .context("a tokio task died; this is a bug in the demo")?;
        }
        anyhow::Ok(())
    })?;
    Ok(Order {
        ran: take(&ran),
        armed_ms: armed(step).into_iter().map(ms).collect(),
        fired_ms: take(&fired),
    })
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    list.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(item);
}

fn take<T>(list: &Mutex<Vec<T>>) -> Vec<T> {
    std::mem::take(&mut *list.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The table: each loop's measured order, the verdicts, and what they say about the note.
pub fn print(scratch: Option<&Order>, tokio: Option<&Order>) {
    let Some(any) = scratch.or(tokio) else {
        return;
    };
    let armed: Vec<String> = any.armed_ms.iter().map(u64::to_string).collect();
    println!(
        "\nwhich task runs next? Note 002 says the loop takes \"the first task, by priority, not order\". Measured:\n  \
         {} tasks made ready in the order {}, each handing the thread back once\n  \
         (yield_now().await; asyncio: await asyncio.sleep(0)), and {} sleeps armed in the order {} ms:",
        READY.len(),
        READY.join(" "),
        armed.len(),
        armed.join(" ")
    );
    println!(
        "    {:<13} {:<32} {:<15} {:<18} timer_order",
        "loop", "ran the ready tasks", "ready_order", "timers fired (ms)"
    );
    for (name, order) in [("scratch loop", scratch), ("tokio", tokio)] {
        let Some(o) = order else { continue };
        let (first, second) = o.ran.split_at(o.ran.len().min(READY.len()));
        let ran = format!("{} | {}", first.join(" "), second.join(" "));
        let fired: Vec<String> = o.fired_ms.iter().map(u64::to_string).collect();
        println!(
            "    {name:<13} {ran:<32} {:<15} {:<18} {}",
            o.ready_order(),
            fired.join(" "),
            o.timer_order()
        );
    }
    println!(
        "  fifo: first in, first out: the loop ran the ready tasks in the order they became ready, and a\n  \
         task that hands the thread back joins the back of the queue (asyncio's ready queue is the same).\n  \
         deadline: a sleeping task is not in the ready queue at all; the timers are kept sorted by deadline\n  \
         and each task rejoins the queue when its deadline passes, whatever order they were armed in."
    );
    if tokio.is_some_and(|o| o.ready_order() == "fifo-then-lifo") {
        println!(
            "  tokio: spawned tasks run in order, but it keeps the tasks that yield_now in a side list that it\n  \
             empties from the end, so they come back reversed; its docs promise no order (\"your program should\n  \
             be correct no matter which order the runtime polls your tasks in\")."
        );
    }
    println!(
        "  So the note's \"by priority, not order\" is imprecise: no task has a priority. Ready tasks run in\n  \
         the order they became ready (or, in tokio, in an order it does not promise); only timers are sorted,\n  \
         by deadline, and that decides WHEN a task becomes ready, not which ready task goes first."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(ran: &str, fired: &[u64]) -> Order {
        Order {
            ran: ran.split_whitespace().map(String::from).collect(),
            armed_ms: vec![40, 10, 30, 20],
            fired_ms: fired.to_vec(),
        }
    }

    #[test]
    fn the_words_name_what_the_loop_did() {
        let fifo = order("t1 t2 t3 t4 t5 t1 t2 t3 t4 t5", &[10, 20, 30, 40]);
        assert_eq!(
            (fifo.ready_order(), fifo.timer_order()),
            ("fifo", "deadline")
        );
        let tokio = order("t1 t2 t3 t4 t5 t5 t4 t3 t2 t1", &[40, 10, 30, 20]);
        assert_eq!(
            (tokio.ready_order(), tokio.timer_order()),
            ("fifo-then-lifo", "armed")
        );
        let lifo = order("t5 t4 t3 t2 t1 t5 t4 t3 t2 t1", &[10, 30, 20, 40]);
        assert_eq!((lifo.ready_order(), lifo.timer_order()), ("lifo", "other"));
        assert_eq!(order("t1 t2", &[]).ready_order(), "other");
    }

    #[test]
    fn the_scratch_loop_is_first_come_first_served_and_fires_timers_by_deadline() {
        let o = on_scratch_loop(Duration::from_millis(20)).unwrap();
        assert_eq!(o.armed_ms, [8, 2, 6, 4]);
        assert_eq!(o.fired_ms, [2, 4, 6, 8]);
        assert_eq!(o.ready_order(), "fifo", "{o:?}");
    }
}
