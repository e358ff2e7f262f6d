//! Runs the Python twin (python/blocking-in-async.py), when python3 is installed, and
//! checks that it makes the same claims. Skipped, saying so, without python3.

mod common;

use std::process::Command;

use common::{number, summary};

#[test]
fn the_python_twin_blocks_its_one_thread_and_to_thread_frees_it() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/blocking-in-async.py");
    let args = [
        script,
        "--tasks",
        "2",
        "--block-ms",
        "200",
        "--workers",
        "2",
    ];
    let Ok(out) = Command::new("python3").args(args).output() else {
        eprintln!("python3 not found: skipping the Python twin of blocking-in-async");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&String::from_utf8(out.stdout).unwrap());
    let (tasks, block_ms) = (number(&s, "tasks"), number(&s, "block_ms"));
    // The event loop is one thread: blocking coroutines run one after another, and the
    // heartbeat waits for them.
    assert!(number(&s, "current_sleep_x") >= tasks - 0.01, "{s:?}");
    assert!(number(&s, "current_cpu_x") >= tasks * 0.95, "{s:?}");
    for key in ["current_sleep", "current_cpu"] {
        assert!(
            number(&s, &format!("{key}_late_ms")) >= block_ms / 2.0,
            "{key}: {s:?}"
        );
    }
    // to_thread and asyncio.sleep overlap the sleeps and leave the loop free.
    for key in ["spawn_blocking", "tokio_sleep"] {
        let x = number(&s, &format!("{key}_x"));
        assert!((0.99..=2.0).contains(&x), "{key}_x={x}: {s:?}");
        assert!(
            number(&s, &format!("{key}_late_ms")) < block_ms / 2.0,
            "{key}: {s:?}"
        );
    }
    // CPU work in threads takes turns under the GIL: no overlap at all.
    if s["gil"] == "true" {
        assert!(number(&s, "to_thread_cpu_x") >= tasks * 0.95, "{s:?}");
    }
    // Processes compute beside the loop, which stays free to tick (up to the OS's
    // scheduling on a busy machine: a small share of what blocking it costs).
    assert!(
        number(&s, "process_pool_x") >= tasks / number(&s, "workers") * 0.95,
        "{s:?}"
    );
    assert!(
        number(&s, "process_pool_late_ms") < number(&s, "current_cpu_late_ms") / 4.0,
        "{s:?}"
    );
}
