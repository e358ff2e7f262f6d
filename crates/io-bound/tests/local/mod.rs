//! Helpers only io-bound's tests use: the program run without proxy settings, its
//! summary; and (burst.rs) a burst of clients connecting at once.
#![allow(dead_code)] // each test file uses its own part of these

pub mod burst;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A command for `program` without proxy variables: loopback must stay loopback.
pub fn command(program: impl Into<PathBuf>) -> Command {
    let mut cmd = Command::new(program.into());
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The demo's binary with `args`, run to the end.
pub fn run(args: &[&str]) -> Output {
    command(env!("CARGO_BIN_EXE_io-bound"))
        .args(args)
        .output()
        .unwrap()
}

/// The summary line of a finished run.
pub fn summary_of(out: &Output) -> HashMap<String, String> {
    super::common::summary(&String::from_utf8_lossy(&out.stdout))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The table's columns, after `method` and `how`, and their keys: `peak` of the row
/// `async` is `peak_async`; `seconds` of it, `async_s`.
const COLUMNS: [&str; 6] = [
    "seconds",
    "speedup",
    "ideal_s",
    "peak",
    "threads",
    "kib_per_request",
];

fn key(column: &str, row: &str) -> String {
    match column {
        "seconds" => format!("{row}_s"),
        _ => format!("{column}_{row}"),
    }
}

/// Every figure of the run, read from the table as printed (`async_s`, `speedup_async`,
/// `peak_async`, ...; a `-` is left out), `served`, and the summary line's own keys. Where
/// the table and the summary both give a figure, they must agree.
pub fn figures_of(out: &Output) -> HashMap<String, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut figures = HashMap::new();
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("method "));
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no table in:\n{stdout}"));
    let named: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(named[2..], COLUMNS, "the table's columns: {header}");
    for line in lines.take_while(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (row, values) = (words[0], &words[words.len() - COLUMNS.len()..]);
        for (column, value) in COLUMNS.iter().zip(values) {
            let value = value.trim_end_matches('x');
            let sequential_speedup = *column == "speedup" && row == "sequential";
            if value != "-" && !sequential_speedup {
                figures.insert(key(column, row), value.to_owned());
            }
        }
    }
    if let Some(line) = stdout.lines().find(|l| l.starts_with("served ")) {
        let served = line["served ".len()..].split(':').next().unwrap();
        figures.insert("served".to_owned(), served.to_owned());
    }
    for (k, v) in summary_of(out) {
        if let Some(shown) = figures.get(&k) {
            let (a, b) = (shown.parse::<f64>(), v.parse::<f64>());
            assert!(
                a.is_ok() && a == b,
                "{k}: the summary says {v}, the table {shown}"
            );
        }
        figures.insert(k, v);
    }
    figures
}

/// Every key of the summary line is a figure the reader can find, named the same, above
/// it: as a word there, or as a column of the table and one of its rows (`peak_async`);
/// and the line stays short enough to read (about 300 characters).
pub fn assert_every_key_is_named_above(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (above, line) = stdout
        .rsplit_once("summary: ")
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    assert!(line.trim_end().len() + 9 <= 300, "summary too long: {line}");
    let rows: Vec<&str> = (above.lines())
        .skip_while(|l| !l.starts_with("method "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let in_table = |k: &str| (COLUMNS.iter()).any(|c| rows.iter().any(|r| key(c, r) == k));
    for k in summary_of(out).keys() {
        let named = above.contains(&format!("{k} ")) || above.contains(&format!("({k})"));
        assert!(
            named || in_table(k),
            "{k} is not named above the summary:\n{above}"
        );
    }
}
