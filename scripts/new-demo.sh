#!/usr/bin/env bash
# Scaffolds a new demo crate that follows DESIGN.md's conventions and already passes
# `make test`: a standalone Cargo.toml, a `//!` header, clap arguments, the error
# convention, the closing `summary:` line, integration tests, a Python twin and a README.
# It also appends the crate to scripts/demos, so `make all` runs it last.
#
#   scripts/new-demo.sh NAME        (NAME in kebab-case, e.g. thread-pool)
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:-}
if [ -z "$name" ]; then
  echo "usage: scripts/new-demo.sh NAME   (or: make new NAME=...)" >&2
  exit 2
fi
if ! [[ "$name" =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]]; then
  echo "error: '$name' is not a kebab-case crate name (lowercase letters, digits, single dashes)" >&2
  exit 2
fi
dir="crates/$name"
if [ -e "$dir" ]; then
  echo "error: $dir already exists; pick another name" >&2
  exit 1
fi
snake=${name//-/_}

mkdir -p "$dir/src" "$dir/tests" "$dir/python"

cat > "$dir/Cargo.toml" <<EOF
[package]
name = "$name"
version = "0.1.0"
edition = "2024"
rust-version = "1.85"
description = "TODO: the idea in one line"
license = "MIT OR Apache-2.0"
publish = false

[dependencies]
clap = { version = "4.6", features = ["derive"] }
EOF

cat > "$dir/src/main.rs" <<EOF
//! TODO: the idea in two to five sentences. This scaffold waits \`--delay-ms\` and
//! measures how long the wait really took: replace that with the idea.
//!
//! Run it:
//!
//!     cargo run --release -p $name
//!     cargo run --release -p $name -- --delay-ms 50
//!
//! What to look for: the measured wait is a little longer than the one asked for.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

/// TODO: the idea in one line (shown by --help).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How long to wait, in milliseconds.
    #[arg(long, default_value_t = 100)]
    delay_ms: u64,
}

/// The figures this run measured; printed as the closing \`summary:\` line.
struct Summary {
    delay_ms: u64,
    elapsed_s: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!(
                "summary: delay_ms={} elapsed_s={:.3} ideal_s={:.3}",
                summary.delay_ms,
                summary.elapsed_s,
                summary.delay_ms as f64 / 1000.0
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<Summary, String> {
    let elapsed = wait_and_measure(Duration::from_millis(args.delay_ms));
    println!("asked to wait {} ms, waited {:.1} ms", args.delay_ms, elapsed.as_secs_f64() * 1e3);
    Ok(Summary { delay_ms: args.delay_ms, elapsed_s: elapsed.as_secs_f64() })
}

/// A sleep is never shorter than asked: the OS may wake the thread late, never early.
fn wait_and_measure(delay: Duration) -> Duration {
    let start = Instant::now();
    std::thread::sleep(delay);
    start.elapsed()
}
EOF

cat > "$dir/tests/cli.rs" <<EOF
//! Runs the built binary and checks what the demo claims.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_$name");

/// The value of \`key\` in the closing \`summary:\` line.
fn summary_value(stdout: &str, key: &str) -> f64 {
    let line = stdout.lines().last().expect("output is empty");
    assert!(line.starts_with("summary: "), "last line is not a summary: {line}");
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        .parse()
        .expect("not a number")
}

#[test]
fn the_wait_is_never_shorter_than_asked() {
    let out = Command::new(BIN).args(["--delay-ms", "50"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(summary_value(&stdout, "elapsed_s") >= 0.050);
}

#[test]
fn bad_argument_exits_2() {
    let out = Command::new(BIN).arg("--delay-ms=-1").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
EOF

cat > "$dir/tests/python.rs" <<EOF
//! Runs the Python twin, when python3 is installed, and checks the same claim.

use std::process::Command;

#[test]
fn python_twin_runs() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/$name.py");
    let Ok(out) = Command::new("python3").args([script, "--delay-ms", "50"]).output() else {
        eprintln!("python3 not found: skipping the Python twin of $name");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().last().unwrap().starts_with("summary: delay_ms=50 "));
}
EOF

cat > "$dir/python/$name.py" <<EOF
"""The Python side of $name: TODO, the same idea with the standard library."""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description="TODO: the idea in one line")
    parser.add_argument("--delay-ms", type=int, default=100, help="how long to wait, in ms")
    args = parser.parse_args()
    start = time.perf_counter()
    time.sleep(args.delay_ms / 1000)
    elapsed = time.perf_counter() - start
    print(f"asked to wait {args.delay_ms} ms, waited {elapsed * 1e3:.1f} ms")
    print(f"summary: delay_ms={args.delay_ms} elapsed_s={elapsed:.3f} ideal_s={args.delay_ms / 1000:.3f}")


if __name__ == "__main__":
    main()
EOF

cat > "$dir/README.md" <<EOF
# $name

TODO: the idea, in a paragraph.

## Python and Rust, side by side

\`\`\`python
time.sleep(0.1)
\`\`\`

\`\`\`rust
std::thread::sleep(Duration::from_millis(100));
\`\`\`

## Run it

    cargo run --release -p $name
    cargo run --release -p $name -- --delay-ms 50

TODO: real output from a real run.

The last line, \`summary: ...\`, holds the figures measured in that run; \`make bench\` and
\`make compare\` read it.

## Run the Python side

    python3 crates/$name/python/$name.py

## Experiment

TODO: what to change, and what to expect.
EOF

cargo fmt -p "$name" 2>/dev/null || cargo fmt --all
if ! grep -qx "$name" scripts/demos; then
  echo "$name" >> scripts/demos
fi
echo "created $dir (and added it to scripts/demos); try: cargo run -p $name, cargo test -p $name"
