//! shared-state's library target holds no code. It is here so that `cargo test` compiles
//! the two programs below as doctests, and so proves, on every test run, that Rust
//! refuses the first one.
//!
//! `src/mistake.rs` holds a `std::sync::MutexGuard` across an `.await` inside a task
//! given to `tokio::spawn`. The guard must be unlocked on the thread that locked it, and
//! a spawned task may move to another thread at any `.await`, so the future is not
//! `Send` and `tokio::spawn` rejects it: "future cannot be sent between threads safely".
//! This doctest passes only because the program does NOT compile:
#![doc = concat!("```compile_fail\n", include_str!("mistake.rs"), "```")]
//! `src/fixed.rs` is the same program with `tokio::sync::Mutex`, whose guard may cross an
//! `.await`. It compiles and runs, which shows the first one fails for the guard alone,
//! not for a missing import or a typo:
#![doc = concat!("```\n", include_str!("fixed.rs"), "```")]
