//! The checks of subprocesses' exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use checking::{Exercise, Verdict, failed, run};

/// What the check's own child writes: 1 MiB, sixteen times the pipe.
const BYTES: usize = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--emit") {
        // The child role: BYTES pseudo-random letters from the seed, to stdout.
        let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
        let _ = std::io::stdout().lock().write_all(&bytes(seed));
        return ExitCode::SUCCESS;
    }
    checking::main_for(&[Exercise {
        name: "subprocesses_communicate",
        question: "the child writes 1.3 MB into a 64 KiB pipe: what if the parent waits before it reads?",
        goal: "it ends by itself within 5 s, passing on every byte the child wrote, in order, and leaves no child",
        hints: [
            "the child blocks in write() once the pipe is full, and only a read makes room: read while you wait",
            "child.wait_with_output().await reads stdout to the end and waits, both at once",
        ],
        check: communicate,
    }])
}

/// A seeded xorshift: bytes the program can only pass on by reading them from the child.
fn bytes(seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..BYTES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'a' + (x >> 24) as u8 % 26 // letters: the check reads stdout as text
        })
        .collect()
}

/// Runs the program on the check's own child (a random seed each time) and compares its
/// stdout, byte for byte, with what that child wrote.
fn communicate(program: &Path) -> Verdict {
    let me = std::env::current_exe().unwrap_or_default();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    let (me, seed) = (me.to_string_lossy().into_owned(), seed.to_string());
    let run = run(program, &[&me, "--emit", &seed], Duration::from_secs(5));
    if let Some(why) = failed(&run) {
        return Verdict {
            measured: why,
            passed: false,
        };
    }
    let want = bytes(seed.parse().unwrap_or(7));
    let got = run.stdout.as_bytes();
    let same = got.iter().zip(&want).take_while(|(a, b)| a == b).count();
    Verdict {
        measured: format!(
            "it ended in {:.2} s and passed on {} bytes, the first {same} of them as the child wrote them \
             (of {BYTES}); {} process(es) left behind",
            run.elapsed.as_secs_f64(),
            got.len(),
            run.left_behind
        ),
        passed: got == want.as_slice() && run.left_behind == 0,
    }
}
